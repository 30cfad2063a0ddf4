"""Demo data for the register: each district office's catalogue of JKM forms.

Form codes here are the demo's own (one application form per demo service, in Malay and
one in English); an office keeps its real catalogue in the admin.
"""

from __future__ import annotations

from weserve.organisation.models import Office
from weserve.register.models import JkmForm

FORMS = (
    ("BKK-01", "Borang permohonan Bantuan Kanak-Kanak (BKK)", "ms"),
    ("BKK-01E", "Application form: Children's Assistance (BKK)", "en"),
    ("BWE-01", "Borang permohonan Bantuan Warga Emas (BWE)", "ms"),
    ("EPOKU-01", "Borang permohonan Elaun Pekerja OKU (EPOKU)", "ms"),
    ("OKU-01", "Borang pendaftaran Orang Kurang Upaya (Kad OKU)", "ms"),
)


def load() -> None:
    """Every district office stocks the demo forms (found by office and code, never doubled)."""
    for office in Office.objects.filter(kind=Office.Kind.DISTRICT):
        for code, title, language in FORMS:
            JkmForm.objects.update_or_create(
                office=office,
                code=code,
                defaults={"title": title, "language": language, "is_active": True},
            )
