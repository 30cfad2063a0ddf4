"""The operator console's live stream: /ws/offices/<code>/phone/ forwards the office's
`telephony` events (numbered by core.live) to operators, supervisors and officers of
the office. The console and the inbox badge refresh themselves from the server on each
event and on reconnect (their snapshot), so nothing depends on receiving every one."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from weserve.core.live import LiveConsumer
from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids
from weserve.organisation.models import Office
from weserve.telephony.services import STREAM


@database_sync_to_async
def _office_id(code: str) -> int | None:
    return Office.objects.filter(code=code[:32]).values_list("pk", flat=True).first()


@database_sync_to_async
def _may_follow(user: Any, office_id: int) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return office_id in visible_office_ids(user) and has_role(user, *tuple(Role))


class TelephonyConsumer(LiveConsumer):
    """Staff of the office (any role: officers' inboxes follow it too)."""

    stream = STREAM

    async def connect(self) -> None:
        code = self.scope["url_route"]["kwargs"]["office_code"]
        office_id = await _office_id(code)
        principal = self.scope.get("principal")
        user = (
            principal.user if principal is not None and principal.user else self.scope.get("user")
        )
        if office_id is None or not await _may_follow(user, office_id):
            await self.close(code=4404)
            return
        await self.join(office_id)
