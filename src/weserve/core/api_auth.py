"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""

from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from weserve.core.api import principal
from weserve.core.net import client_ip
from weserve.core.tokens import issue_user_token, revoke_user_token

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    detail: str
    code: str


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """A bearer token for a person; expires after USER_TOKEN_TTL_HOURS."""
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied as exc:
        raise HttpError(429, _("Too many failed sign-ins. Try again in 15 minutes.")) from exc
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, _("Too many failed sign-ins. Try again in 15 minutes."))
    if user is None or not user.is_active:
        raise HttpError(401, _("Wrong username or password."))
    return TokenOut(token=issue_user_token(user, ip=client_ip(request)))


@router.post("/token/revoke", response={204: None})
def revoke_token(request: HttpRequest) -> tuple[int, None]:
    """Revoke the bearer token this request was sent with."""
    caller = principal(request)
    header = request.headers.get("Authorization", "")
    if caller.user is None or not header.lower().startswith("bearer "):
        raise HttpError(400, _("Send the token to revoke as Authorization: Bearer."))
    revoke_user_token(header[7:].strip(), user=caller.user)
    return 204, None
