"""Live streams over WebSocket: the display board, the staff screens, the mobile ticket.

A consumer only forwards numbered events (core's `LiveConsumer`); every screen rebuilds
itself from a snapshot endpoint on connect and whenever it sees a gap in `seq`.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from weserve.core.live import LiveConsumer
from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids
from weserve.organisation.models import Device, Office
from weserve.queueing import events
from weserve.queueing.models import Ticket


@database_sync_to_async
def _office_id(code: str) -> int | None:
    return Office.objects.filter(code=code).values_list("pk", flat=True).first()


@database_sync_to_async
def _staff_may_see(user: Any, office_id: int, roles: tuple[Role, ...]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return office_id in visible_office_ids(user) and (not roles or has_role(user, *roles))


@database_sync_to_async
def _ticket_office(public_id: str) -> int | None:
    return Ticket.objects.filter(public_id=public_id).values_list("office_id", flat=True).first()


class StreamConsumer(LiveConsumer):
    """Forwards the office's queue stream to the socket."""

    stream = events.QUEUE


class DisplayConsumer(StreamConsumer):
    """/ws/offices/<code>/display/: a paired display, or staff of the office."""

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["office_code"]
        office_id = await _office_id(code)
        principal = self.scope.get("principal")
        allowed = False
        if office_id is not None:
            if principal is not None and principal.device is not None:
                allowed = (
                    principal.device.kind == Device.Kind.DISPLAY
                    and principal.device.office_id == office_id
                )
            elif principal is not None and principal.user is not None:
                allowed = await _staff_may_see(principal.user, office_id, ())
            else:
                allowed = await _staff_may_see(self.scope.get("user"), office_id, ())
        if not allowed:
            await self.close(code=4404)
            return
        await self.join(office_id)

    async def send_event(self, event: dict[str, Any]) -> None:
        # The TV is public: no ticket ids, which open the mobile page.
        await self.send_json(events.public(event))


class CountersConsumer(StreamConsumer):
    """/ws/offices/<code>/counters/: counter consoles and the supervisor's live view."""

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["office_code"]
        office_id = await _office_id(code)
        principal = self.scope.get("principal")
        user = (
            principal.user if principal is not None and principal.user else self.scope.get("user")
        )
        roles = (Role.COUNTER_STAFF, Role.SUPERVISOR)
        if office_id is None or not await _staff_may_see(user, office_id, roles):
            await self.close(code=4404)
            return
        await self.join(office_id)


class TicketConsumer(StreamConsumer):
    """/ws/tickets/<public id>/: the mobile ticket page; says only "something changed"."""

    async def connect(self) -> None:
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        office_id = await _ticket_office(public_id)
        if office_id is None:
            await self.close(code=4404)
            return
        await self.join(office_id)

    async def stream_events(self, message: dict[str, Any]) -> None:
        # Other customers' numbers are on the TV anyway, but the phone needs none of it:
        # one "changed" for a batch, and the page reads its own ticket afresh.
        last = message["events"][-1] if message["events"] else {}
        await self.send_json({"type": "changed", "seq": last.get("seq")})
