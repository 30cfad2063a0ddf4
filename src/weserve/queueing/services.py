"""Every state change of the queue: one function per use case, one transaction each.

The routing rules of `call_next` are documented in docs/queueing.md; the property tests
in tests/queueing/test_routing_properties.py drive this code against the database.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.db import CompiledQuery, insert
from weserve.core.errors import DomainError
from weserve.core.idempotency import Claim
from weserve.core.tokens import resolve_device
from weserve.organisation.models import Counter, CounterService, Device, Office, Service
from weserve.queueing import events, issue_statement, waiting_count
from weserve.queueing.completion import missing_before_completion
from weserve.queueing.estimate import waiting_ahead
from weserve.queueing.models import (
    ACTIVE_STATUSES,
    ISSUED_ACTION,
    PRIORITIES,
    CounterSession,
    CounterSessionEvent,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from weserve.queueing.selectors import board_counter, counter_ref

# A customer marked as not having come may be reinstated within this time.
REINSTATE_MINUTES = 30

_NEXT_NUMBER_SQL = """
INSERT INTO queueing_dailysequence (office_id, series, day, last) VALUES (%s, %s, %s, 1)
ON CONFLICT (office_id, series, day)
DO UPDATE SET last = queueing_dailysequence.last + 1
RETURNING last
"""


def format_number(series: str, seq: int) -> str:
    return f"{series}{seq:03d}"


def new_public_id() -> str:
    """An unguessable id for the mobile ticket page: 192 random bits."""
    return secrets.token_urlsafe(24)


def _next_number(office_id: int, series: str, day: dt.date) -> int:
    # One atomic upsert: the first ticket of a day creates the row, later ones bump it.
    # The row stays locked until commit, so numbers are unique and, since a failed issue
    # rolls the bump back, gapless.
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [office_id, series, day])
        return int(cursor.fetchone()[0])


def _event(
    ticket: Ticket,
    kind: str,
    *,
    at: dt.datetime,
    user: Any = None,
    counter: Counter | None = None,
    **data: Any,
) -> None:
    insert(
        TicketEvent(
            ticket=ticket,
            kind=kind,
            at=at,
            counter=counter,
            user=user if getattr(user, "is_authenticated", False) else None,
            data=data,
        )
    )


def _ticket_payload(ticket: Ticket) -> dict[str, Any]:
    # The public id is for staff screens only; events.public() drops it for the TV and
    # the customer's phone.
    return {
        "id": ticket.public_id,
        "number": ticket.number,
        "service": ticket.service.code,
        "priority": ticket.priority,
        "status": ticket.status,
        "counter": counter_ref(ticket.counter),
    }


def _publish_ticket(ticket: Ticket, type_: str, **extra: Any) -> dict[str, Any]:
    return events.publish(ticket.office_id, type_, ticket=_ticket_payload(ticket), **extra)


def _ticket_done(
    ticket: Ticket, verb: str, *, user: Any, audit: dict[str, Any] | None = None, **live: Any
) -> None:
    """How every action on a ticket ends: its line in the audit log (with the number) and
    its live event (with `live`), both named by the verb."""
    log_action(
        f"queueing.ticket.{verb}",
        user=user,
        office=ticket.office,
        target=ticket,
        data={"number": ticket.number, **(audit or {})},
    )
    _publish_ticket(ticket, verb, **live)


# --- Issue --------------------------------------------------------------------------------


def serving_counters(office: Office, service: Service) -> list[Counter]:
    return list(
        Counter.objects.filter(office=office, is_active=True, services=service).order_by("number")
    )


NO_OPEN_COUNTER_MESSAGE = _("No counter is open for this service right now. No ticket was issued.")


def check_open_counter(office: Office, service: Service) -> None:
    """An office that refuses tickets no open counter can serve (`Office.kiosk_unserved`)
    refuses one when no counter serving the service is open, on a break or not. The issue
    statement (issue_statement.py) checks the same in SQL; test_issue_parity.py proves
    they agree."""
    if office.kiosk_unserved != Office.UnservedService.REFUSE:
        return
    if (
        not Counter.objects.filter(office=office, is_active=True, services=service)
        .filter(
            Exists(CounterSession.objects.filter(counter=OuterRef("pk"), closed_at__isnull=True))
        )
        .exists()
    ):
        raise DomainError("no_open_counter", NO_OPEN_COUNTER_MESSAGE)


# check_can_issue's question, asked at every ticket issue: compiled once
# (core.db.CompiledQuery).
_served_here = CompiledQuery(
    lambda service_id, office_id: Service.objects.filter(
        pk=service_id, offices=office_id, counters__office=office_id, counters__is_active=True
    ),
    int,
    int,
)


def check_can_issue(office: Office, service: Service) -> None:
    """409 reasons the service cannot be issued at the office now; nothing is written.
    Whether the office is open, `_issue` asks first (once, for both ways of issuing)."""
    # Ticket issue is the hot path: one query says "offered here, and a counter serves it";
    # only when it does not are the two reasons below told apart.
    if service.is_active and _served_here.exists(service.pk, office.pk):
        check_open_counter(office, service)
        return
    if not service.is_active or not service.offices.filter(pk=office.pk).exists():
        raise DomainError(
            "service_not_offered", _("This service is not offered at this office today.")
        )
    if not Counter.objects.filter(office=office, is_active=True, services=service).exists():
        raise DomainError(
            "no_counter_for_service", _("No counter of this office serves this service.")
        )


class KioskNotConfirmed(Exception):
    """The token given to `issue_ticket_with_kiosk_token` is not a live kiosk of the office."""


@dataclass(frozen=True)
class IssuedTicket:
    """A ticket just issued, with what its issue read on the way.

    `waiting` is the office's waiting tickets ahead of it when it was issued, per
    (service id, priority lane), zeros left out: what the slip's people ahead and wait
    estimate are worked out from (estimate.position_and_estimate), read in the same
    transaction, so two kiosks issuing at the same instant never both say "nobody
    ahead". `event_seq` is the number of its `issued` live event; None for a ticket an
    earlier attempt at the same issue wrote, whose answer was lost (see `_issue`).
    """

    ticket: Ticket
    event_seq: int | None
    waiting: dict[tuple[int, bool], int]


@dataclass(frozen=True)
class Attempt:
    """One attempt at an issue its caller may send again when the answer is lost (a
    request with an Idempotency-Key): the ticket's public id, the same for every attempt,
    and whether an earlier attempt may have issued it already (`again`)."""

    public_id: str
    again: bool = False

    @classmethod
    def of(cls, claim: Claim | None) -> Attempt | None:
        """The attempt a request's Idempotency-Key claim makes (None without a key)."""
        if claim is None:
            return None
        return cls(claim.effect_id("ticket"), again=claim.resumed)


def issue_ticket_at_kiosk(
    kiosk: Device,
    office: Office,
    service: Service,
    *,
    priority: str = Priority.NONE,
    language: str = "ms",
    attempt: Attempt | None = None,
) -> IssuedTicket:
    """A customer takes a number at a paired kiosk of `office` (its page or the API)."""
    if kiosk.office_id != office.pk or kiosk.kind != Device.Kind.KIOSK:
        raise ValueError("not a kiosk of this office")
    return _issue(
        office,
        service,
        _Issuer(device=kiosk),
        priority=priority,
        language=language,
        attempt=attempt,
    )


def issue_ticket_by_staff(
    user: Any,
    office: Office,
    service: Service,
    *,
    priority: str = Priority.NONE,
    language: str = "ms",
    attempt: Attempt | None = None,
) -> IssuedTicket:
    """A staff member of `office` issues a number for a customer (the API)."""
    return _issue(
        office, service, _Issuer(user=user), priority=priority, language=language, attempt=attempt
    )


def issue_ticket_with_kiosk_token(
    token: str,
    office: Office,
    service: Service,
    *,
    priority: str = Priority.NONE,
    language: str = "ms",
    attempt: Attempt | None = None,
) -> IssuedTicket:
    """A kiosk program's ticket, its bearer token not yet looked up (the API's hot path):
    issued only if the token is a live kiosk of `office`, which is then the issuing
    device; otherwise KioskNotConfirmed, and nothing is written. On PostgreSQL the
    statement that issues the ticket confirms the token (issue_statement.py)."""
    return _issue(
        office, service, _Issuer(token=token), priority=priority, language=language, attempt=attempt
    )


@dataclass(frozen=True)
class _Issuer:
    """Who issues: a resolved kiosk, a staff member, or a kiosk token to confirm."""

    device: Device | None = None
    user: Any = None
    token: str | None = None


def _issue(
    office: Office,
    service: Service,
    issuer: _Issuer,
    *,
    priority: str,
    language: str,
    attempt: Attempt | None = None,
) -> IssuedTicket:
    """Every ticket is issued here: on PostgreSQL, outside a transaction (a request), by
    the issue statement (issue_statement.py, the hot path), which writes what
    `_issue_in_transaction` writes (tests/queueing/test_issue_parity.py); everywhere
    else, and whenever the statement did not issue, by `_issue_in_transaction`, which
    then says why or issues.

    An attempt sent again (its earlier attempt's process died, say) answers with the
    ticket the earlier one wrote under the same public id, if it did; if not, it issues
    by the specification, where the unique public id stops an earlier attempt still on
    its way from issuing a second ticket."""
    if priority not in PRIORITIES:
        raise DomainError("invalid_priority", _("Unknown priority."), status=422)
    language = language if language in ("ms", "en") else "ms"
    # Whether a ticket may already be written under this id (and so an IntegrityError on
    # it means "issued", not a fault).
    lost = attempt is not None and attempt.again
    if attempt is not None and attempt.again:
        written = _written(attempt.public_id, office, service)
        if written is not None:
            return written
    now = clock.now()
    if not office.is_active or not office.is_open(now):
        raise DomainError("office_closed", _("The office is closed now. No ticket was issued."))
    public_id = attempt.public_id if attempt is not None else new_public_id()
    if issue_statement.applies() and not lost:
        try:
            issued = issue_statement.issue(
                office,
                service,
                priority=priority,
                language=language,
                now=now,
                day=clock.business_day(now),
                public_id=public_id,
                device=issuer.device,
                user=issuer.user,
                kiosk_token=issuer.token,
            )
        except issue_statement.ConnectionLost:
            # Its batch may have been committed with the answer lost: the ticket goes
            # again below under the same id, and if it was written, it is the answer.
            issued, lost = None, True
        if issued is not None:
            ticket, row = issued
            events.send(office.pk, _issued_event(ticket, row.event_seq))  # committed
            return IssuedTicket(ticket, row.event_seq, row.waiting)
    device = issuer.device
    if issuer.token is not None:
        device = _kiosk_of(issuer.token, office)
        if device is None:
            raise KioskNotConfirmed
    try:
        return _issue_in_transaction(
            office,
            service,
            priority=priority,
            language=language,
            now=now,
            public_id=public_id,
            device=device,
            user=issuer.user,
        )
    except IntegrityError:
        if not lost:  # a new id clashed: refused, as any broken constraint
            raise
        written = _written(public_id, office, service)
        if written is None:
            raise
        return written


def _written(public_id: str, office: Office, service: Service) -> IssuedTicket | None:
    """The ticket an earlier attempt at this issue wrote, answered as then (its live event
    went out with it)."""
    ticket = (
        Ticket.objects.select_related("office", "service")
        .filter(public_id=public_id, office=office, service=service)
        .first()
    )
    if ticket is None:
        return None
    return IssuedTicket(ticket, None, waiting_ahead(office, ticket.queued_at))


def _kiosk_of(raw_token: str, office: Office) -> Device | None:
    """The live kiosk of `office` behind a token, or None."""
    device = resolve_device(raw_token)
    if device is None or device.office_id != office.pk or device.kind != Device.Kind.KIOSK:
        return None
    return device


def _issued_event(ticket: Ticket, seq: int | None) -> dict[str, Any]:
    return {"seq": seq, "type": "issued", "ticket": _ticket_payload(ticket)}


@transaction.atomic
def _issue_in_transaction(
    office: Office,
    service: Service,
    *,
    priority: str,
    language: str,
    now: dt.datetime,
    public_id: str,
    device: Device | None,
    user: Any,
) -> IssuedTicket:
    """The specification of a ticket issue, as plain ORM in one transaction (its caller,
    `_issue`, has found the office open at `now`)."""
    check_can_issue(office, service)
    day = clock.business_day(now)
    seq = _next_number(office.pk, service.prefix, day)
    # Read once the day's number is ours: every earlier ticket of the series has
    # committed, so it is counted.
    waiting = waiting_count.counts(office.pk)
    ticket = Ticket.new_waiting(
        office,
        service,
        public_id=public_id,
        day=day,
        seq=seq,
        number=format_number(service.prefix, seq),
        priority=priority,
        language=language,
        at=now,
    )
    insert(ticket)
    user = user if getattr(user, "is_authenticated", False) else None
    _event(ticket, TicketEvent.Kind.ISSUED, at=now, user=user, device=getattr(device, "pk", None))
    log_action(
        ISSUED_ACTION,
        user=user,
        office=office,
        target=ticket,
        actor=getattr(device, "name", ""),
        data={"number": ticket.number, "service": service.code, "priority": priority},
    )
    event = _publish_ticket(ticket, "issued")
    return IssuedTicket(ticket, event["seq"], waiting)


# --- Counter sessions -----------------------------------------------------------------------


def open_session(counter: Counter) -> CounterSession | None:
    return CounterSession.objects.filter(counter=counter, closed_at__isnull=True).first()


def _session_event(
    session: CounterSession, kind: str, *, at: dt.datetime, user: Any, reason: str = ""
) -> None:
    CounterSessionEvent.objects.create(session=session, kind=kind, at=at, user=user, reason=reason)


def _publish_counter(counter: Counter, type_: str, **extra: Any) -> None:
    # `counter` is the counter's row as the display board shows it now (a superset of
    # `counter_ref`): the board replaces its row with it instead of working it out.
    events.publish(counter.office_id, type_, counter=board_counter(counter), **extra)


def _counter_done(counter: Counter, verb: str, *, user: Any, **audit: Any) -> None:
    """How every change of a counter's session ends: its audit line and its live event."""
    log_action(
        f"queueing.counter.{verb}",
        user=user,
        office=counter.office,
        target=counter,
        data={"counter": counter.number, **audit},
    )
    _publish_counter(counter, f"counter_{verb}")


@transaction.atomic
def open_counter(counter: Counter, *, acting_user: Any) -> CounterSession:
    """Open a counter for a staff member; they are then "at counter N"."""
    if not counter.is_active:
        raise DomainError("counter_inactive", _("This counter is not in use."))
    now = clock.now()
    current = open_session(counter)
    if current is not None:
        if current.user_id == acting_user.pk:
            return current
        raise DomainError(
            "counter_in_use",
            _("This counter is already open for {name}.").format(
                name=current.user.get_full_name() or current.user.get_username()
            ),
        )
    elsewhere = CounterSession.objects.filter(user=acting_user, closed_at__isnull=True).first()
    if elsewhere is not None:
        raise DomainError(
            "already_at_counter",
            _("You are still at counter {number}. Close it first.").format(
                number=elsewhere.counter.number
            ),
        )
    try:
        with transaction.atomic():
            session = CounterSession.objects.create(
                counter=counter, user=acting_user, opened_at=now
            )
    except IntegrityError as exc:
        raise DomainError(
            "counter_in_use", _("This counter was just opened by someone else.")
        ) from exc
    _session_event(session, CounterSessionEvent.Kind.OPENED, at=now, user=acting_user)
    _counter_done(counter, "opened", user=acting_user)
    return session


def _require_session(counter: Counter) -> CounterSession:
    session = open_session(counter)
    if session is None:
        raise DomainError("counter_closed", _("Open the counter first."))
    return session


@transaction.atomic
def pause_counter(counter: Counter, *, acting_user: Any, reason: str = "") -> CounterSession:
    session = _require_session(counter)
    if session.paused_at is not None:
        return session
    if Ticket.objects.filter(counter=counter, status__in=ACTIVE_STATUSES).exists():
        raise DomainError("counter_busy", _("Finish the current customer first."))
    now = clock.now()
    session.paused_at = now
    session.pause_reason = reason[:100]
    session.save(update_fields=["paused_at", "pause_reason"])
    _session_event(
        session, CounterSessionEvent.Kind.PAUSED, at=now, user=acting_user, reason=reason[:100]
    )
    _counter_done(counter, "paused", user=acting_user, reason=reason[:100])
    return session


@transaction.atomic
def resume_counter(counter: Counter, *, acting_user: Any) -> CounterSession:
    session = _require_session(counter)
    if session.paused_at is None:
        return session
    now = clock.now()
    session.paused_at = None
    session.pause_reason = ""
    session.save(update_fields=["paused_at", "pause_reason"])
    _session_event(session, CounterSessionEvent.Kind.RESUMED, at=now, user=acting_user)
    _counter_done(counter, "resumed", user=acting_user)
    return session


@transaction.atomic
def close_counter(counter: Counter, *, acting_user: Any) -> CounterSession | None:
    session = open_session(counter)
    if session is None:
        return None
    if Ticket.objects.filter(counter=counter, status__in=ACTIVE_STATUSES).exists():
        raise DomainError("counter_busy", _("Finish or transfer the current customer first."))
    now = clock.now()
    session.closed_at = now
    session.closed_by = acting_user
    session.paused_at = None
    session.save(update_fields=["closed_at", "closed_by", "paused_at"])
    _session_event(session, CounterSessionEvent.Kind.CLOSED, at=now, user=acting_user)
    _counter_done(counter, "closed", user=acting_user)
    return session


# --- Calling --------------------------------------------------------------------------------


def candidates(counter: Counter, *, at: dt.datetime) -> Any:
    """Waiting tickets this counter may call, best first (the rules of docs/queueing.md)."""
    office = counter.office
    ranks = dict(CounterService.objects.filter(counter=counter).values_list("service_id", "rank"))
    eligible = Q(target_counter=counter) | Q(
        target_counter__isnull=True, service_id__in=list(ranks)
    )
    is_priority = ~Q(priority=Priority.NONE)
    if counter.kind == Counter.Kind.PRIORITY:
        lane = Case(When(is_priority, then=Value(0)), default=Value(1), output_field=IntegerField())
    else:
        overdue = at - dt.timedelta(minutes=office.priority_wait_minutes)
        lane = Case(
            When(is_priority & Q(queued_at__lte=overdue), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    named = Case(
        When(target_counter=counter, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    # The service's rank at this counter, from the pairs read above, so the claim stays one
    # statement (and FOR UPDATE SKIP LOCKED locks ticket rows only). A transfer by name
    # picked this counter for the customer: those are taken by lane and arrival, unranked.
    by_rank: dict[int, list[int]] = {}
    for service_id, rank in ranks.items():
        by_rank.setdefault(rank, []).append(service_id)
    order = {"named_first": named, "lane": lane}
    if len(by_rank) > 1:  # with one rank only, arrival decides: no key needed
        order["rank"] = Case(
            When(target_counter=counter, then=Value(0)),
            *(When(service_id__in=ids, then=Value(r)) for r, ids in sorted(by_rank.items())),
            default=Value(0),
            output_field=IntegerField(),
        )
    return (
        Ticket.objects.filter(office=office, status=TicketStatus.WAITING)
        .filter(eligible)
        .annotate(**order)
        .order_by(*order, "queued_at", "id")
    )


def _claim(counter: Counter, *, now: dt.datetime, user: Any) -> Ticket | None:
    """Claim the best waiting ticket so that no other counter can claim it too."""
    qs = candidates(counter, at=now)
    if connection.vendor == "postgresql":
        # Concurrent counters skip each other's locked rows instead of queueing on them.
        ticket = qs.select_for_update(skip_locked=True, of=("self",)).first()
        if ticket is None:
            return None
        Ticket.objects.filter(pk=ticket.pk).update(
            status=TicketStatus.CALLED, counter=counter, called_at=now, served_by=user
        )
        return Ticket.objects.select_related("service", "counter", "office").get(pk=ticket.pk)
    # SQLite has one writer at a time; the conditional update still guards the claim.
    for pk in qs.values_list("pk", flat=True)[:20]:
        taken = Ticket.objects.filter(pk=pk, status=TicketStatus.WAITING).update(
            status=TicketStatus.CALLED, counter=counter, called_at=now, served_by=user
        )
        if taken == 1:
            return Ticket.objects.select_related("service", "counter", "office").get(pk=pk)
    return None


@transaction.atomic
def call_next(counter: Counter, *, acting_user: Any) -> Ticket | None:
    """Call the next customer to this counter; None when nobody waits for it."""
    session = _require_session(counter)
    if session.paused_at is not None:
        raise DomainError("counter_paused", _("The counter is paused. Resume it first."))
    if not counter.services.exists():
        raise DomainError("counter_serves_nothing", _("This counter serves no service."))
    if Ticket.objects.filter(counter=counter, status__in=ACTIVE_STATUSES).exists():
        raise DomainError("counter_busy", _("Finish the current customer first."))
    now = clock.now()
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            ticket = _claim(counter, now=now, user=user)
    except IntegrityError as exc:
        # Another request of the same counter called someone a moment ago.
        raise DomainError("counter_busy", _("Finish the current customer first.")) from exc
    if ticket is None:
        return None
    _event(ticket, TicketEvent.Kind.CALLED, at=now, user=user, counter=counter)
    _ticket_done(
        ticket,
        "called",
        user=user,
        audit={"counter": counter.number},
        counter=board_counter(counter),
    )
    return ticket


def _require_status(ticket: Ticket, *allowed: str) -> None:
    if ticket.status not in allowed:
        raise DomainError(
            "ticket_not_" + allowed[0],
            _("Ticket {number} is {status} now.").format(
                number=ticket.number, status=ticket.get_status_display().lower()
            ),
        )


def _locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock, so two actions on it run one after another."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("service", "counter", "office")
        .get(pk=ticket.pk)
    )


@transaction.atomic
def recall(ticket: Ticket, *, acting_user: Any) -> Ticket:
    """Announce the called ticket again."""
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.CALLED)
    now = clock.now()
    ticket.recalls += 1
    ticket.save(update_fields=["recalls"])
    _event(ticket, TicketEvent.Kind.RECALLED, at=now, user=acting_user, counter=ticket.counter)
    _ticket_done(
        ticket,
        "recalled",
        user=acting_user,
        audit={"recalls": ticket.recalls},
        counter=board_counter(ticket.counter),
    )
    return ticket


@transaction.atomic
def start_service(ticket: Ticket, *, acting_user: Any) -> Ticket:
    """The customer came to the counter: service starts."""
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.CALLED)
    now = clock.now()
    ticket.status = TicketStatus.SERVING
    ticket.started_at = now
    ticket.save(update_fields=["status", "started_at"])
    _event(ticket, TicketEvent.Kind.STARTED, at=now, user=acting_user, counter=ticket.counter)
    _ticket_done(ticket, "started", user=acting_user, counter=board_counter(ticket.counter))
    return ticket


@transaction.atomic
def mark_no_show(ticket: Ticket, *, acting_user: Any) -> Ticket:
    """The customer did not come after being called again; they may be reinstated."""
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.CALLED)
    if ticket.recalls < 1:
        raise DomainError("recall_first", _("Call the customer again before marking a no-show."))
    now = clock.now()
    counter = ticket.counter
    ticket.status = TicketStatus.NO_SHOW
    ticket.no_show_at = now
    ticket.save(update_fields=["status", "no_show_at"])
    _event(ticket, TicketEvent.Kind.NO_SHOW, at=now, user=acting_user, counter=counter)
    _ticket_done(ticket, "no_show", user=acting_user, counter=board_counter(counter))
    return ticket


@transaction.atomic
def reinstate(ticket: Ticket, *, acting_user: Any) -> Ticket:
    """A customer who missed the call comes back in time: near the front again.

    The ticket keeps its original queue time, which is earlier than everyone who came
    after it, so it goes back near the front rather than to the end.
    """
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.NO_SHOW)
    now = clock.now()
    if ticket.no_show_at and now - ticket.no_show_at > dt.timedelta(minutes=REINSTATE_MINUTES):
        raise DomainError(
            "reinstate_expired",
            _("Too late to reinstate: more than {minutes} minutes have passed.").format(
                minutes=REINSTATE_MINUTES
            ),
        )
    ticket.status = TicketStatus.WAITING
    ticket.counter = None
    ticket.target_counter = None
    ticket.save(update_fields=["status", "counter", "target_counter"])
    _event(ticket, TicketEvent.Kind.REINSTATED, at=now, user=acting_user)
    _ticket_done(ticket, "reinstated", user=acting_user)
    return ticket


@transaction.atomic
def transfer(
    ticket: Ticket,
    *,
    acting_user: Any,
    to_service: Service | None = None,
    to_counter: Counter | None = None,
) -> Ticket:
    """Send the same ticket on: back to waiting under another service or for a named
    counter, keeping its original queue time."""
    if (to_service is None) == (to_counter is None):
        raise DomainError("invalid_transfer", _("Choose a service or a counter."), status=422)
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.CALLED, TicketStatus.SERVING)
    now = clock.now()
    from_counter = ticket.counter
    data: dict[str, Any] = {
        "number": ticket.number,
        "from_service": ticket.service.code,
        "from_counter": from_counter.number if from_counter else None,
    }
    if to_service is not None:
        if not to_service.is_active or not to_service.offices.filter(pk=ticket.office_id).exists():
            raise DomainError(
                "service_not_offered", _("This service is not offered at this office.")
            )
        if not serving_counters(ticket.office, to_service):
            raise DomainError(
                "no_counter_for_service", _("No counter of this office serves this service.")
            )
        ticket.service = to_service
        ticket.target_counter = None
        data["to_service"] = to_service.code
    elif to_counter is not None:
        if to_counter.office_id != ticket.office_id or not to_counter.is_active:
            raise DomainError("counter_not_found", _("No such counter in this office."), status=404)
        if from_counter is not None and to_counter.pk == from_counter.pk:
            raise DomainError("same_counter", _("The ticket is already at this counter."))
        ticket.target_counter = to_counter
        data["to_counter"] = to_counter.number
    ticket.status = TicketStatus.WAITING
    ticket.counter = None
    ticket.transfers += 1
    ticket.save(update_fields=["service", "target_counter", "status", "counter", "transfers"])
    _event(
        ticket, TicketEvent.Kind.TRANSFERRED, at=now, user=acting_user, counter=from_counter, **data
    )
    _ticket_done(
        ticket,
        "transferred",
        user=acting_user,
        audit=data,
        from_counter=counter_ref(from_counter),
        counter=board_counter(from_counter) if from_counter else None,
    )
    return ticket


OUTCOME_MAX_LENGTH = Ticket._meta.get_field("outcome").max_length


def outcome_fits(outcome: str) -> bool:
    """Whether `complete` takes this outcome note (a longer one is refused, never cut)."""
    return len(outcome) <= OUTCOME_MAX_LENGTH


@transaction.atomic
def complete(ticket: Ticket, *, acting_user: Any, outcome: str = "") -> Ticket:
    """Service done. An outcome note longer than the field is refused whole, never cut;
    so is a ticket missing something an app requires (the office's "register entry
    required" setting; queueing/completion.py)."""
    if not outcome_fits(outcome):
        raise DomainError(
            "outcome_too_long",
            _(
                "The outcome note may have at most {limit} characters; it has {length}. "
                "Shorten it and complete again."
            ).format(limit=OUTCOME_MAX_LENGTH, length=len(outcome)),
            status=422,
        )
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.SERVING, TicketStatus.CALLED)
    for missing in missing_before_completion(ticket):
        if missing.required:
            raise DomainError(missing.code, missing.message)
    now = clock.now()
    counter = ticket.counter
    ticket.status = TicketStatus.COMPLETED
    ticket.started_at = ticket.started_at or now
    ticket.completed_at = now
    ticket.outcome = outcome
    ticket.save(update_fields=["status", "started_at", "completed_at", "outcome"])
    _event(
        ticket,
        TicketEvent.Kind.COMPLETED,
        at=now,
        user=acting_user,
        counter=counter,
        outcome=outcome,
    )
    _ticket_done(
        ticket,
        "completed",
        user=acting_user,
        audit={"outcome": outcome},
        from_counter=counter_ref(counter),
        counter=board_counter(counter) if counter else None,
    )
    return ticket


@transaction.atomic
def cancel(ticket: Ticket, *, acting_user: Any, reason: str = "") -> Ticket:
    """A waiting customer leaves before being called."""
    ticket = _locked(ticket)
    _require_status(ticket, TicketStatus.WAITING)
    now = clock.now()
    ticket.status = TicketStatus.CANCELLED
    ticket.save(update_fields=["status"])
    _event(ticket, TicketEvent.Kind.CANCELLED, at=now, user=acting_user, reason=reason[:200])
    _ticket_done(ticket, "cancelled", user=acting_user)
    return ticket
