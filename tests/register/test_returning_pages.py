"""A returning customer found from the register form (PT-1.8): typing the MyKad number and
asking finds earlier visits at this office by its keyed hash, shows them masked, audits
the look-up; the number never travels in a URL."""

from __future__ import annotations

import pytest

from weserve.core.models import AuditLog
from weserve.register import services

MYKAD = "850101-14-5123"


@pytest.fixture
def visits(tree, users):
    """Two earlier walk-in visits of one customer at PKMD-PJ, one of another customer."""
    clerk = users["petugas"]
    for name, mykad in (("Siti Aminah", MYKAD), ("Siti Aminah", MYKAD), ("Ali", "900202-10-5555")):
        services.record_walk_in(
            tree.pj,
            acting_user=clerk,
            name=name,
            mykad=mykad,
            phone="",
            category="other",
            service=tree.services["BKK"],
            purpose="Pertanyaan",
            action="info",
            forms=[],
            note="",
        )
    return clerk


def test_the_walk_in_form_offers_the_look_up_without_putting_the_number_in_a_url(
    client_for, visits
):
    page = client_for("petugas").get("/register/walk-in/").content.decode()
    assert 'hx-post="/register/returning/"' in page
    assert 'data-testid="returning-find"' in page


def test_typed_mykad_finds_earlier_visits_masked_and_audited(client_for, visits):
    before = AuditLog.objects.count()
    response = client_for("petugas").post("/register/returning/", {"mykad": "850101145123"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 earlier visits" in html or "2 lawatan" in html
    assert "Siti Aminah" in html and "Ali" not in html
    assert "5123" in html and "850101" not in html  # masked
    assert AuditLog.objects.count() == before + 1
    entry = AuditLog.objects.order_by("-pk").first()
    assert "850101" not in str(entry.data)


def test_no_visit_and_a_malformed_number_are_told_apart(client_for, visits):
    clerk = client_for("petugas")
    none = clerk.post("/register/returning/", {"mykad": "010101-01-0101"})
    assert none.status_code == 200 and 'data-testid="returning-none"' in none.content.decode()
    bad = clerk.post("/register/returning/", {"mykad": "12ab"})
    assert bad.status_code == 422 and 'data-testid="returning-error"' in bad.content.decode()


def test_only_this_office_and_only_recording_roles(client_for, visits):
    # A clerk of another district finds nothing of PKMD-PJ's (their own office is asked).
    other = client_for("jb_petugas").post("/register/returning/", {"mykad": MYKAD})
    assert other.status_code == 200
    assert "Siti Aminah" not in other.content.decode()
    assert client_for("telefonis").post("/register/returning/", {"mykad": MYKAD}).status_code == 403
    assert client_for("petugas").get("/register/returning/").status_code == 405
