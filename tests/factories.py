"""Test data builders; the same shapes as the demo data, smaller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group

from weserve.core.models import User
from weserve.core.roles import Role
from weserve.organisation.models import Counter, Office, OpeningHours, Service, StaffMember

PASSWORD = "test-password-123"


@dataclass
class OfficeTree:
    hq: Office
    sgr: Office
    jhr: Office
    pj: Office
    klang: Office
    jb: Office
    services: dict[str, Service]


def make_office(
    code: str, kind: str, parent: Office | None, state: str, *, all_hours: bool = True
) -> Office:
    office = Office.objects.create(
        code=code,
        kind=kind,
        parent=parent,
        state=state,
        name_ms=f"Pejabat {code}",
        name_en=f"Office {code}",
        follows_state_calendar=not all_hours,
    )
    for weekday in range(7):
        if all_hours:
            OpeningHours.objects.create(
                office=office, weekday=weekday, opens=dt.time(0, 0), closes=dt.time(0, 0)
            )
        elif weekday < 5:
            OpeningHours.objects.create(
                office=office, weekday=weekday, opens=dt.time(8, 0), closes=dt.time(17, 0)
            )
    return office


def build_office_tree() -> OfficeTree:
    hq = make_office("HQ", "hq", None, "16")
    sgr = make_office("JKMN-SGR", "state", hq, "10")
    jhr = make_office("JKMN-JHR", "state", hq, "01")
    pj = make_office("PKMD-PJ", "district", sgr, "10")
    klang = make_office("PKMD-KLANG", "district", sgr, "10", all_hours=False)
    jb = make_office("PKMD-JB", "district", jhr, "01")
    services = {
        "BKK": Service.objects.create(
            code="BKK",
            prefix="A",
            name_ms="Bantuan Kanak-Kanak",
            name_en="Children's Aid",
            typical_minutes=10,
        ),
        "OKU": Service.objects.create(
            code="OKU",
            prefix="B",
            name_ms="Pendaftaran OKU",
            name_en="OKU Registration",
            typical_minutes=15,
        ),
        "INFO": Service.objects.create(
            code="INFO",
            prefix="C",
            name_ms="Pertanyaan Am",
            name_en="General Enquiries",
            typical_minutes=5,
        ),
    }
    for office in (pj, klang, jb):
        for service in services.values():
            service.offices.add(office)
        for number in (1, 2):
            counter = Counter.objects.create(
                office=office,
                number=number,
                kind=Counter.Kind.PRIORITY if number == 2 else Counter.Kind.NORMAL,
            )
            counter.services.set(services.values())
    return OfficeTree(hq=hq, sgr=sgr, jhr=jhr, pj=pj, klang=klang, jb=jb, services=services)


def make_user(username: str, office: Office, *roles: Role, name: str = "") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    StaffMember.objects.create(user=user, name=name or username.title(), home_office=office)
    return user


TEST_KIOSK = "Kiosk ujian"


def kiosk_for(office: Office):
    """The office's kiosk for tests, made on first use (no token: tests call services).
    Threads issuing at once may each make one; any of them will do."""
    from weserve.core import clock
    from weserve.organisation.models import Device

    kiosks = Device.objects.filter(office=office, kind=Device.Kind.KIOSK, name=TEST_KIOSK)
    return kiosks.order_by("pk").first() or Device.objects.create(
        office=office, kind=Device.Kind.KIOSK, name=TEST_KIOSK, created_at=clock.now()
    )


def issue_ticket(office: Office, service: Service, *, priority: str = "none", language: str = "ms"):
    """A customer takes a ticket at the office's kiosk, through the real service: what
    most queue tests start from."""
    from weserve.queueing import services

    issued = services.issue_ticket_at_kiosk(
        kiosk_for(office), office, service, priority=priority, language=language
    )
    return issued.ticket
