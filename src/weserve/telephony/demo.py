"""The telephone desk's demo data (loaded by `weserve demo` with every app's): PKMD-PJ's
telephone exchange as a device, a week of calls with the exchange's times (some answered
within 10 seconds, some later, one abandoned, one transfer that came back) and a message
waiting for a call-back. Loads again without doubling."""

from __future__ import annotations

import datetime as dt

from weserve.core import clock
from weserve.organisation.models import Device, Office, StaffMember
from weserve.telephony import services
from weserve.telephony.models import Call, Message

EXCHANGE_NAME = "Sistem telefon PKMD-PJ (Asterisk)"
# (day offset, local time, seconds to answer or None, seconds of the call, outcome hint)
CALLS = (
    (6, "09:02", 4, 120, ""),
    (6, "09:15", 12, 200, ""),
    (5, "10:01", 3, 90, "transfer"),
    (5, "10:30", None, 25, ""),
    (4, "11:10", 6, 150, ""),
    (3, "14:05", 9, 180, "returned"),
    (2, "15:20", 15, 240, ""),
    (1, "08:45", 2, 60, ""),
    (1, "09:30", 7, 100, ""),
)


def _at(days_ago: int, hhmm: str) -> dt.datetime:
    day = clock.business_day() - dt.timedelta(days=days_ago)
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.MALAYSIA)


def load() -> None:
    office = Office.objects.filter(code="PKMD-PJ").first()
    if office is None:
        return
    if not Device.objects.filter(office=office, kind=Device.Kind.EXCHANGE).exists():
        Device.objects.create(
            office=office, kind=Device.Kind.EXCHANGE, name=EXCHANGE_NAME, created_at=clock.now()
        )
    officer = StaffMember.objects.filter(user__username="pegawai1").first()
    operator = StaffMember.objects.filter(user__username="telefonis").first()
    for number, (days_ago, hhmm, wait, length, hint) in enumerate(CALLS, start=1):
        call_id = f"DEMO-{number}"
        if Call.objects.filter(office=office, call_id=call_id).exists():
            continue
        rang = _at(days_ago, hhmm)
        call = services.ring(
            office,
            call_id=call_id,
            caller_number=f"+6012345{number:04d}",
            at=rang,
            from_exchange=True,
        )
        if wait is None:
            services.hang_up(call, at=rang + dt.timedelta(seconds=length))
            continue
        answered = rang + dt.timedelta(seconds=wait)
        services.answer(
            call, acting_user=operator.user if operator else None, at=answered, extension="2100"
        )
        if hint and officer is not None and officer.extension:
            moved = answered + dt.timedelta(seconds=30)
            services.transfer(call, officer=officer, at=moved, from_exchange=True)
            if hint == "returned":
                services.return_unanswered_transfers(office, now=moved + dt.timedelta(seconds=20))
            else:
                services.officer_answered(call, at=moved + dt.timedelta(seconds=8))
        services.hang_up(call, at=answered + dt.timedelta(seconds=length))
    if officer is not None and not Message.objects.filter(office=office).exists():
        services.take_message(
            office,
            acting_user=operator.user if operator else None,
            officer=officer,
            caller_name="Puan Rohani binti Salleh",
            caller_number="+60123459876",
            purpose="Bertanya status permohonan kad OKU anaknya.",
            best_time="Selepas 2 petang",
        )
