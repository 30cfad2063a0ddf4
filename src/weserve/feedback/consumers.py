"""The feedback app's live sockets.

The head of department's report badge: /ws/survey-reports/ follows the `survey_reports`
stream of each office the head belongs to, which carries the perception-survey reports
submitted or acknowledged in that office and every office below it
(survey_services._publish_report). Only heads of department may open it; a head of
another state follows another office's stream and hears nothing of these. It forwards
only which report changed: the badge fetches its count from the server.

The rating tablet's live socket: /ws/feedback/<office>/counter/<n>/.

It follows the office's `queue` stream (a ticket completed at the counter is the cue to
ask for a rating) and its `feedback` stream (the ticket rated meanwhile from the slip's
QR code). It forwards only `{"type": "changed"}`, and only for events that concern its
counter: the tablet faces customers, so it is sent no ticket ids and nothing of other
counters, and reads its screen afresh from the server (feedback/views.py).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from weserve.core import live
from weserve.core.roles import has_role
from weserve.core.scoping import home_office_ids
from weserve.feedback.services import FEEDBACK
from weserve.feedback.survey_access import HEAD_ROLES
from weserve.feedback.survey_services import SURVEY_REPORTS
from weserve.organisation.models import Counter, Device
from weserve.queueing import events


@database_sync_to_async
def _counter(office_code: str, number: int) -> tuple[int, int] | None:
    found = (
        Counter.objects.filter(office__code=office_code, number=number)
        .values_list("office_id", "pk")
        .first()
    )
    return (found[0], found[1]) if found else None


def _id(ref: Any) -> Any:
    return ref.get("id") if isinstance(ref, dict) else None


def concerns_counter(event: dict[str, Any], counter_id: int) -> bool:
    """Whether an event of the office changes what this counter's tablet shows."""
    if event.get("type") == "completed":
        ticket = event.get("ticket")
        at = _id(ticket.get("counter")) if isinstance(ticket, dict) else None
        return counter_id in (at, _id(event.get("from_counter")))
    if event.get("type") == "rated":
        rating = event.get("rating")
        return isinstance(rating, dict) and _id(rating.get("counter")) == counter_id
    return False


class TabletConsumer(live.LiveConsumer):
    """A paired rating tablet of the office, bound to the counter in the path."""

    stream = events.QUEUE
    counter_id: int | None = None
    feedback_group: str | None = None

    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        found = await _counter(kwargs["office_code"], kwargs["number"])
        principal = self.scope.get("principal")
        device = principal.device if principal is not None else None
        if (
            found is None
            or device is None
            or device.kind != Device.Kind.RATING
            or (device.office_id, device.counter_id) != found
        ):
            await self.close(code=4404)
            return
        office_id, self.counter_id = found
        await self.join(office_id)
        if self.group is not None:
            self.feedback_group = await self.follow(office_id, FEEDBACK)

    async def stream_events(self, message: dict[str, Any]) -> None:
        if self.counter_id is None:
            return
        if any(concerns_counter(e, self.counter_id) for e in message["events"]):
            await self.send_json({"type": "changed"})


@database_sync_to_async
def _head_offices(user: Any) -> list[int]:
    """The offices whose report streams this person follows: a head's own offices."""
    if user is None or not user.is_authenticated or not has_role(user, *HEAD_ROLES):
        return []
    return sorted(home_office_ids(user))


class SurveyReportConsumer(live.LiveConsumer):
    """A head of department's socket for the survey-report badge."""

    stream = SURVEY_REPORTS

    async def connect(self) -> None:
        principal = self.scope.get("principal")
        user = (
            principal.user if principal is not None and principal.user else self.scope.get("user")
        )
        offices = await _head_offices(user)
        if not offices:
            await self.close(code=4404)
            return
        await self.join(offices[0])
        if self.group is not None:
            for office_id in offices[1:]:
                await self.follow(office_id, SURVEY_REPORTS)

    async def send_event(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"seq": event["seq"], "type": event["type"], "report": event.get("report")}
        )
