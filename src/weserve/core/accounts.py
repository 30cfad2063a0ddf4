"""What ends a person's access: a new password, or their account switched off.

Django already refuses their other sessions (a session remembers a hash of the password,
and an inactive person's session is no longer theirs). These services end the rest: the
person's API tokens are revoked and every socket they opened, on every worker, is closed
when the change commits (weserve.core.live.close_sockets).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest

from weserve.core.audit import log_action
from weserve.core.tokens import revoke_all_user_tokens


@transaction.atomic
def password_changed(user: Any, *, acting_user: Any = None, ip: str | None = None) -> int:
    """Call after a person's password was changed (saved); returns tokens revoked."""
    revoked = revoke_all_user_tokens(user)
    log_action(
        "core.user.password_changed",
        user=acting_user or user,
        target=user,
        ip=ip,
        data={"username": user.get_username(), "tokens_revoked": revoked},
    )
    return revoked


@transaction.atomic
def account_deactivated(user: Any, *, acting_user: Any = None, ip: str | None = None) -> int:
    """Call after a person's account was switched off (saved); returns tokens revoked.
    The tokens stay revoked should the account be switched on again."""
    revoked = revoke_all_user_tokens(user)
    log_action(
        "core.user.deactivated",
        user=acting_user,
        target=user,
        ip=ip,
        data={"username": user.get_username(), "tokens_revoked": revoked},
    )
    return revoked


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a failed sign-in is counted under (AXES_USERNAME_CALLABLE).

    No longer than a username can be: Django's sign-in forms do not bound its length
    (AuthenticationForm sets max_length after the field made its validators), and axes
    stores it in a 255-character column, which PostgreSQL enforces: a 100,000-character
    username was a 500 there. Longer ones belong to nobody; they count under their start.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = request.POST.get("username")
    if username is None:
        return None
    limit = get_user_model()._meta.get_field("username").max_length or 150
    return str(username)[:limit]
