"""Rating pages: the counter's rating tablet and the slip's QR rating page.

Thin: find who calls (weserve.feedback.access), call one service, render. A refused
rating keeps the chosen reasons and the comment, with a translated message.

The tablet (`/feedback/<office>/counter/<n>/`) is a paired `rating` device bound to that
counter. It shows its welcome screen until a ticket is completed at the counter, then
the five faces for that ticket (feedback.selectors.ticket_to_rate); a face sends the
rating, the screen thanks the customer and goes back to its welcome screen by itself.
It follows the office's live events (feedback/consumers.py) and asks the server for its
screen on each one that concerns its counter, so a reload shows the same screen.

The QR page (`/t/<public id>/rate/`) is reached from the ticket's own page: the
unguessable public id is the authority, no sign-in.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.tokens import resolve_device
from weserve.feedback import services
from weserve.feedback.access import NotPaired, Tablet, require_tablet
from weserve.feedback.models import Rating, Reason, Score
from weserve.feedback.selectors import TABLET_WINDOW, served_by_name, ticket_to_rate
from weserve.feedback.services import InvalidInput, RatingInput
from weserve.queueing.models import Ticket, TicketStatus

LANGUAGES = ("ms", "en")
# The thank-you screen stays this long (time to open the full form from it), then the
# tablet is ready for the next customer.
THANKS_SECONDS = 10

# The faces' colours and mouths, from very dissatisfied (1) to very satisfied (5).
FACES = {
    1: ("text-danger-600", "M15 35 Q24 26 33 35"),
    2: ("text-warning-600", "M16 33 Q24 29 32 33"),
    3: ("text-gray-500", "M16 32 L32 32"),
    4: ("text-success-600", "M16 30 Q24 35 32 30"),
    5: ("text-success-700", "M14 29 Q24 39 34 29"),
}


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else settings.LANGUAGE_CODE


def _with_language(url: str, language: str) -> str:
    if language == settings.LANGUAGE_CODE:
        return url
    return f"{url}?{urlencode({'lang': language})}"


def faces() -> list[dict[str, Any]]:
    return [
        {"score": value, "label": label, "colour": FACES[value][0], "mouth": FACES[value][1]}
        for value, label in Score.choices
    ]


def reasons(chosen: list[str] | None = None) -> list[dict[str, Any]]:
    chosen = chosen or []
    return [
        {"code": code, "label": label, "checked": code in chosen} for code, label in Reason.choices
    ]


def _posted(request: HttpRequest) -> RatingInput:
    """A rating as a form posts it: the pressed face's value, the ticked chips, the text."""
    raw = request.POST.get("score", "")
    score: Any = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else raw
    return RatingInput(
        score=score,
        reasons=request.POST.getlist("reasons"),
        comment=request.POST.get("comment", ""),
    )


def _form_context(given: RatingInput | None = None) -> dict[str, Any]:
    return {
        "faces": faces(),
        "reasons": reasons(list(given.reasons) if given else None),
        "comment": given.comment if given and isinstance(given.comment, str) else "",
        # One key per rendered form: a second tap replays the first answer.
        "request_key": secrets.token_urlsafe(18),
    }


# --- The counter's tablet -----------------------------------------------------------------


def _tablet(request: HttpRequest, office_code: str, number: int) -> Tablet | None:
    device = resolve_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    try:
        return require_tablet(device, office_code, number)
    except NotPaired:
        return None


def _not_paired(request: HttpRequest) -> HttpResponse:
    language = _language(request.GET.get("lang"))
    with translation.override(language):
        return render(
            request,
            "feedback/tablet_not_paired.html",
            {"pair_url": reverse("pair")},
            status=403,
        )


class TabletPage:
    """Renders the tablet: the whole page on a load, the screen alone for htmx."""

    def __init__(
        self, request: HttpRequest, tablet: Tablet, language: str, *, partial: bool = False
    ) -> None:
        self.request = request
        self.tablet = tablet
        self.language = language
        self.partial = partial or bool(request.htmx)

    def url(self, name: str, language: str | None = None) -> str:
        args = [self.tablet.office.code, self.tablet.counter.number]
        return _with_language(reverse(name, args=args), language or self.language)

    def render(
        self, screen: str, context: dict[str, Any] | None = None, *, status: int = 200
    ) -> HttpResponse:
        other = "en" if self.language == "ms" else "ms"
        base = {
            "office": self.tablet.office,
            "counter": self.tablet.counter,
            "screen": screen,
            "language": self.language,
            "other_language": other,
            "toggle_url": self.url("feedback_tablet_screen", other),
            "screen_url": self.url("feedback_tablet_screen"),
            # After a rating the next customer starts in Malay again.
            "home_url": self.url("feedback_tablet_screen", settings.LANGUAGE_CODE),
            "rate_url": self.url("feedback_tablet_rate"),
            # After a rating, the customer may go on to the full Customer Satisfaction Form.
            "form_url": self.url("feedback_tablet_form"),
            "thanks_seconds": THANKS_SECONDS,
            **(context or {}),
        }
        template = "feedback/tablet_screen.html" if self.partial else "feedback/tablet.html"
        if not self.partial:
            base["page_url"] = self.url("feedback_tablet")
            base["ws_path"] = (
                f"/ws/feedback/{self.tablet.office.code}/counter/{self.tablet.counter.number}/"
            )
        with translation.override(self.language):
            return render(self.request, template, base, status=status)

    def current(
        self,
        *,
        message: str = "",
        status: int = 200,
        given: RatingInput | None = None,
        errors: dict[str, str] | None = None,
    ) -> HttpResponse:
        """The screen the counter's state asks for now: a ticket to rate (with what was
        chosen and the messages of a refusal, if any), or welcome."""
        now = clock.now()
        ticket = ticket_to_rate(self.tablet.counter, at=now)
        if ticket is None:
            return self.render(
                "welcome", {"message": message, "welcome_faces": faces()}, status=status
            )
        assert ticket.completed_at is not None  # noqa: S101 - ticket_to_rate's promise
        remaining = TABLET_WINDOW - (now - ticket.completed_at)
        return self.render(
            "rate",
            {
                "ticket": ticket,
                "served_by": served_by_name(ticket),
                "expires_in": max(1, int(remaining.total_seconds()) + 1),
                "message": message,
                "errors": errors or {},
                **_form_context(given),
            },
            status=status,
        )


def _tablet_page(
    request: HttpRequest, office_code: str, number: int, *, partial: bool = False
) -> TabletPage | None:
    tablet = _tablet(request, office_code, number)
    if tablet is None:
        return None
    return TabletPage(request, tablet, _language(request.GET.get("lang")), partial=partial)


@never_cache
@require_GET
def tablet(request: HttpRequest, office_code: str, number: int) -> HttpResponse:
    """The rating tablet's page."""
    page = _tablet_page(request, office_code, number)
    if page is None:
        return _not_paired(request)
    return page.current()


@never_cache
@require_GET
def tablet_screen(request: HttpRequest, office_code: str, number: int) -> HttpResponse:
    """The tablet's screen alone, as it is now (what the page fetches on a live event, at
    the end of a ticket's time and after the thanks)."""
    page = _tablet_page(request, office_code, number, partial=True)
    if page is None:
        return _not_paired(request)
    return page.current()


@never_cache
@require_POST
def tablet_rate(request: HttpRequest, office_code: str, number: int) -> HttpResponse:
    """A face pressed: rate the ticket on screen, then thank the customer. A second press
    for a ticket already rated is ignored (the thanks again); anything else refused is
    the counter's current screen with the reason."""
    page = _tablet_page(request, office_code, number)
    if page is None:
        return _not_paired(request)
    given = _posted(request)
    with translation.override(page.language):
        try:
            services.rate_at_counter(page.tablet.device, request.POST.get("ticket", ""), given)
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            return page.current(given=given, errors=errors, status=422)
        except DomainError as exc:
            if exc.code == "already_rated":
                return page.render("thanks")
            return page.current(message=str(exc.message), status=exc.status)
    return page.render("thanks", status=201)


# --- The slip's QR rating page ------------------------------------------------------------


def _ticket(public_id: str) -> Ticket | None:
    return (
        Ticket.objects.select_related("office", "service", "counter", "served_by__staff")
        .filter(public_id=public_id)
        .first()
    )


@never_cache
@require_http_methods(["GET", "POST"])
def ticket_rating(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: rate the visit of this ticket once. The unguessable id is the only key."""
    ticket = _ticket(public_id)
    requested = request.GET.get("lang")
    if ticket is None:
        with translation.override(_language(requested or translation.get_language())):
            return render(request, "feedback/ticket_rating.html", {"ticket": None}, status=404)
    language = requested if requested in LANGUAGES else _language(ticket.language)
    page_url = reverse("feedback_ticket_rating", args=[ticket.public_id])
    context: dict[str, Any] = {
        "ticket": ticket,
        "office_name": ticket.office.name,
        "served_by": served_by_name(ticket),
        "language": language,
        "other_language": "en" if language == "ms" else "ms",
        "toggle_url": f"{page_url}?lang={'en' if language == 'ms' else 'ms'}",
        "action_url": _with_language(page_url, language) if requested else page_url,
        "ticket_url": reverse("ticket_status", args=[ticket.public_id]),
    }
    status = 200
    with translation.override(language):
        if request.method == "POST":
            given = _posted(request)
            try:
                services.rate_by_ticket(ticket.public_id, given)
            except InvalidInput as exc:
                context["errors"] = {k: str(v) for k, v in exc.fields.items()}
                context.update(_form_context(given))
                status = 422
            except DomainError as exc:
                context["message"] = str(exc.message)
                status = exc.status
            else:
                # Back to the page, which now says thank you: a reload sends nothing again.
                return redirect(context["action_url"])
        rating = Rating.objects.filter(ticket=ticket).first()
        context["rating"] = rating
        context["completed"] = ticket.status == TicketStatus.COMPLETED
        if rating is not None:
            context["rated_face"] = next(f for f in faces() if f["score"] == rating.score)
        elif "faces" not in context:
            context.update(_form_context())
        return render(request, "feedback/ticket_rating.html", context, status=status)
