"""Demo data for customer feedback at PKMD-PJ: the rating tablet of counter 1, a month of
counter ratings (with reasons and comments) across counters 1 and 2 and the two demo
counter staff, a few Customer Satisfaction Forms keyed in from paper, complaints in
several states, a box opening with its slips, suggestions and compliments, and last
year's perception survey (closed) with paper responses keyed in, so that every feedback
report shows something.

Safe to run again: nothing is added twice (each part looks for what it made before).
Demo ratings name no ticket (the demo has no history of visits); real ones always do.
"""

from __future__ import annotations

import datetime as dt
import random

from weserve.core import clock
from weserve.core.models import User
from weserve.feedback import box_services, satisfaction_services, tallies
from weserve.feedback import complaint_services as complaints
from weserve.feedback import survey_services as surveys
from weserve.feedback.box_models import BoxOpening, Remark
from weserve.feedback.complaint_models import Complaint
from weserve.feedback.models import Rating, RatingReason, Reason
from weserve.feedback.satisfaction_models import SatisfactionForm
from weserve.feedback.survey_models import AgeBand, CustomerCategory, SurveyItem, SurveyPeriod
from weserve.organisation.devices import create_device, create_pairing_code
from weserve.organisation.models import Counter, Device, Office, Service

OFFICE = "PKMD-PJ"
TABLET_NAME = "Tablet penilaian kaunter 1"
COMMENTS = (
    "Petugas sangat mesra dan membantu.",
    "Masa menunggu terlalu lama.",
    "Maklumat yang diberi jelas.",
    "Kerusi di ruang menunggu tidak mencukupi.",
    "Staff were friendly and helpful.",
    "The waiting time was too long.",
    "",
    "",
    "",
)
COMPLAINTS = (
    ("delay", "Permohonan Bantuan Kanak-Kanak saya belum diproses selepas tiga bulan."),
    ("service_quality", "Petugas kaunter tidak menjawab soalan saya dengan jelas."),
    ("amenities", "Tiada tempat letak kereta untuk OKU di hadapan pejabat."),
    ("procedure", "Saya diminta membawa dokumen yang tidak disenaraikan dalam borang."),
    ("other", "Nombor giliran dipanggil tanpa paparan di skrin."),
)


def _tablet(office: Office) -> Device:
    device = Device.objects.filter(
        office=office, kind=Device.Kind.RATING, name=TABLET_NAME, revoked_at__isnull=True
    ).first()
    if device is None:
        counter = Counter.objects.get(office=office, number=1)
        device, _token = create_device(
            office, Device.Kind.RATING, TABLET_NAME, counter=counter, actor="weserve demo"
        )
    return device


def _ratings(office: Office, tablet: Device) -> None:
    if Rating.objects.filter(office=office).exists():
        return
    rng = random.Random(16)  # noqa: S311 - demo data, not security
    staff = list(User.objects.filter(username__in=("petugas1", "petugas2")).order_by("username"))
    counters = list(Counter.objects.filter(office=office, number__in=(1, 2)).order_by("number"))
    today = clock.business_day()
    now = clock.now()
    reasons = list(Reason.values)
    for days_ago in range(30, -1, -1):
        day = today - dt.timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for _i in range(rng.randint(2, 6)):
            index = rng.randrange(2)
            score = rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 3, 6, 6))[0]
            on_tablet = index == 0 and rng.random() < 0.7
            rating = Rating.objects.create(
                office=office,
                counter=counters[index],
                served_by=staff[index] if staff else None,
                score=score,
                comment=rng.choice(COMMENTS),
                channel="tablet" if on_tablet else "qr",
                device=tablet if on_tablet else None,
                created_at=now - dt.timedelta(days=days_ago),
                day=day,
            )
            chosen = rng.sample(reasons, rng.randint(0, 2))
            for reason in chosen:
                RatingReason.objects.create(rating=rating, reason=reason)
            tallies.count_rating(rating, chosen)


def _forms(office: Office, keyer: User | None) -> None:
    if keyer is None or SatisfactionForm.objects.filter(office=office).exists():
        return
    items = satisfaction_services.items_for(office)
    rng = random.Random(1616)  # noqa: S311 - demo data
    for number in range(1, 6):
        answers = {item.code: rng.choice((3, 4, 4, 5, 5)) for item in items}
        satisfaction_services.file_paper_form(
            office,
            satisfaction_services.FormInput(
                answers=answers,
                serial=f"BKP-2026-{number:04d}",
                counter=rng.choice((1, 2)),
                comment=rng.choice(COMMENTS),
            ),
            acting_user=keyer,
        )


def _complaints(office: Office, supervisor: User | None) -> None:
    if supervisor is None or Complaint.objects.filter(office=office).exists():
        return
    for index, (category, text) in enumerate(COMPLAINTS):
        received = complaints.receive_complaint(
            office,
            complaints.ComplaintInput(category=category, description=text),
            channel="online" if index % 2 == 0 else "counter",
            acting_user=None if index % 2 == 0 else supervisor,
        )
        complaint = received.complaint
        if index < 3:
            complaint = complaints.acknowledge(complaint, acting_user=supervisor)
        if index < 2:
            complaint = complaints.start_action(
                complaint, acting_user=supervisor, note="Disemak bersama unit berkaitan."
            )
        if index < 1:
            complaint = complaints.reply(
                complaint, acting_user=supervisor, note="Permohonan telah diproses; surat dihantar."
            )


def _box(office: Office, supervisor: User | None) -> None:
    if supervisor is None or BoxOpening.objects.filter(office=office).exists():
        return
    opening = box_services.record_opening(
        office,
        opened_on=clock.business_day(),
        opened_by=supervisor,
        witness="Tan Mei Ling",
        slip_count=3,
        acting_user=supervisor,
    )
    box_services.key_slip(
        opening,
        kind="complaint",
        acting_user=supervisor,
        complaint=complaints.ComplaintInput(
            category="amenities", description="Tandas awam di tingkat bawah rosak."
        ),
    )
    box_services.key_slip(
        opening,
        kind="suggestion",
        acting_user=supervisor,
        topic="facilities",
        text="Sediakan air minuman di ruang menunggu.",
    )
    box_services.key_slip(
        opening,
        kind="compliment",
        acting_user=supervisor,
        topic="staff",
        text="Terima kasih kepada petugas kaunter 2 yang sangat membantu.",
    )
    if not Remark.objects.filter(office=office, channel="counter").exists():
        box_services.record_remark(
            office,
            kind="suggestion",
            topic="information",
            text="Letakkan senarai dokumen di laman web.",
            channel="counter",
            acting_user=supervisor,
        )


def _survey(office: Office, supervisor: User | None) -> None:
    """Last year's perception survey, closed, with the default questionnaire, the population
    entered from that year's paper register and 40 paper questionnaires keyed in. Closed,
    so that the supervisor can open this year's (an office has one open at a time)."""
    if supervisor is None or SurveyPeriod.objects.filter(office=office).exists():
        return
    year = clock.business_day().year - 1
    period = surveys.create_period(
        office,
        title=f"Kajian Persepsi Pelanggan {year}",
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        acting_user=supervisor,
    )
    surveys.set_population(
        period,
        source="entered",
        number=1200,
        note=f"Buku rekod daftar pelanggan {year}",
        acting_user=supervisor,
    )
    period = surveys.open_period(period, acting_user=supervisor)
    items = list(SurveyItem.objects.filter(section__period=period).values_list("pk", flat=True))
    services = list(Service.objects.filter(offices=office).values_list("code", flat=True))
    rng = random.Random(1622)  # noqa: S311 - demo data
    for number in range(1, 41):
        leaning = rng.choice((3, 4, 4, 5))
        surveys.record_response(
            period,
            surveys.ResponseInput(
                answers={
                    item: max(1, min(5, leaning + rng.choice((-1, 0, 0, 1)))) for item in items
                },
                age_band=rng.choice(AgeBand.values),
                category=rng.choice(CustomerCategory.values),
                service=rng.choice(services) if services else "",
                serial=f"KPP-{year}-{number:04d}",
            ),
            channel="paper",
            acting_user=supervisor,
        )
    surveys.close_period(period, acting_user=supervisor)


def load() -> None:
    office = Office.objects.filter(code=OFFICE).first()
    if office is None:
        return
    tablet = _tablet(office)
    supervisor = User.objects.filter(username="penyelia").first()
    _ratings(office, tablet)
    _forms(office, User.objects.filter(username="petugas1").first())
    _complaints(office, supervisor)
    _box(office, supervisor)
    _survey(office, supervisor)


def hint_lines() -> list[str]:
    """What `weserve demo` prints about the rating tablet: a fresh pairing code."""
    office = Office.objects.filter(code=OFFICE).first()
    device = (
        Device.objects.filter(office=office, name=TABLET_NAME, revoked_at__isnull=True).first()
        if office
        else None
    )
    if device is None:
        return []
    code = create_pairing_code(device)
    return [
        "",
        f"Rating tablet of counter 1 at {OFFICE} ({TABLET_NAME}):",
        f"  pair a browser at /pair/ with code {code} (valid for a few minutes; a new code:",
        "  run `weserve demo` again or use Devices in the office's pages), then open",
        f"  /feedback/{OFFICE}/counter/1/ (ratings) or /feedback/{OFFICE}/counter/1/form/",
        f"  (the full satisfaction form). Reports: /feedback/{OFFICE}/reports/",
    ]
