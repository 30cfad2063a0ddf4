"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from pydantic import Field

from weserve.core.api import ErrorOut, Schema, principal
from weserve.core.net import client_ip
from weserve.core.tokens import issue_user_token, revoke_user_token

router = Router(tags=["auth"])


class TokenIn(Schema):
    # As long as a username may be (core.User); longer ones are refused before anything
    # is looked up or recorded. A password's bound keeps hashing cheap for an attacker
    # sending megabytes.
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(max_length=1024)


class TokenOut(Schema):
    token: str


def _cooloff_minutes() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    exclude_none=True,  # no `"fields": null` in the error answers
)
def create_token(
    request: HttpRequest, payload: TokenIn, response: HttpResponse
) -> Status[TokenOut | ErrorOut]:
    """A bearer token for a person; expires after USER_TOKEN_TTL_HOURS.

    Failed attempts count towards the same lockout as the sign-in page (django-axes):
    five failures for one username from one address lock that pair out.
    """
    # The credentials are the JSON body's, whatever Content-Type was sent. axes records
    # each failure with request.POST, which under a form or multipart type is that JSON
    # misread as a form (the password in clear in the failure log) and under a multipart
    # type without a boundary raises: the failure went uncounted and the answer was 500
    # while a right password got 200. So the form is empty here: every failure counts.
    request.POST = QueryDict()
    # Django's authenticate() swallows axes' PermissionDenied and returns None; axes
    # marks the request instead, both when already locked and on the failure that locks.
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Otherwise AxesMiddleware would swap this JSON answer for the HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        minutes = _cooloff_minutes()
        response["Retry-After"] = str(minutes * 60)
        message = _("Too many failed sign-ins. Try again in {minutes} minutes.").format(
            minutes=minutes
        )
        return Status(429, ErrorOut(detail=message, code="locked_out"))
    if user is None or not user.is_active:
        message = _("Wrong username or password.")
        return Status(401, ErrorOut(detail=message, code="invalid_credentials"))
    ip = client_ip(request)
    if settings.AXES_RESET_ON_SUCCESS:
        # The sign-in page resets failures through user_logged_in; a token has no session
        # to log in to, so the reset is done here.
        axes_reset(ip=ip, username=payload.username)
    return Status(200, TokenOut(token=issue_user_token(user, ip=ip)))


@router.post("/token/revoke", response={204: None, 400: ErrorOut})
def revoke_token(request: HttpRequest) -> Status[None]:
    """Revoke the bearer token this request was sent with."""
    caller = principal(request)
    header = request.headers.get("Authorization", "")
    if caller.user is None or not header.lower().startswith("bearer "):
        raise HttpError(400, _("Send the token to revoke as Authorization: Bearer."))
    revoke_user_token(header[7:].strip(), user=caller.user)
    return Status(204, None)
