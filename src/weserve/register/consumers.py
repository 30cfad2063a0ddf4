"""The referrals' live stream over WebSocket: /ws/offices/<code>/referrals/.

Staff of the office may follow it; each event reaches only the people it concerns (the
referred officer, the counter staff who referred) and the office's supervisors and heads,
and says only which referral changed: the badge, the inbox and the panel fetch what they
show from the server.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from weserve.core.live import LiveConsumer
from weserve.core.scoping import visible_office_ids
from weserve.organisation.models import Office
from weserve.register.access import overseen_office_ids
from weserve.register.events import REFERRALS


@database_sync_to_async
def _follow(user: Any, code: str) -> tuple[int | None, bool]:
    """The office's id if this person may follow its referrals, and whether they see all."""
    if user is None or not user.is_authenticated:
        return None, False
    office_id = Office.objects.filter(code=code).values_list("pk", flat=True).first()
    if office_id is None or office_id not in visible_office_ids(user):
        return None, False
    return office_id, office_id in overseen_office_ids(user)


class ReferralConsumer(LiveConsumer):
    stream = REFERRALS
    user_id: int | None = None
    sees_all = False

    async def connect(self) -> None:
        principal = self.scope.get("principal")
        user = (
            principal.user if principal is not None and principal.user else self.scope.get("user")
        )
        code = self.scope["url_route"]["kwargs"]["office_code"]
        office_id, self.sees_all = await _follow(user, code)
        if office_id is None:
            await self.close(code=4404)
            return
        self.user_id = user.pk
        await self.join(office_id)

    async def send_event(self, event: dict[str, Any]) -> None:
        if self.sees_all or self.user_id in event.get("users", ()):
            await self.send_json(
                {"seq": event["seq"], "type": event["type"], "referral": event.get("referral")}
            )
