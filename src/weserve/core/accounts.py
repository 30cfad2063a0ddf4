"""What ends a person's access: a new password, their account switched off, signing out.

Django already refuses their other sessions (a session remembers a hash of the password,
and an inactive person's session is no longer theirs). These services end the rest: the
person's API tokens are revoked and every socket they opened, on every worker, is closed
when the change commits (weserve.core.live.close_sockets).

They run whenever the user row changes that way, wherever it is changed: the pages and
the admin, but also Django's own paths that no WeServe service sees (`weserve
changepassword`, the password-reset pages, `set_password()` and `is_active = False` in
the shell). So they hang on the user model's saves (`user_saving`, `user_saved`,
connected in CoreConfig.ready(); docs/architecture.md decision 35 says why this is the
exception to "no signals for business logic"). A page says who acted with `acting()`.
Signing out closes the sockets of that browser session (`signed_out`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.http import HttpRequest

from weserve.core.audit import log_action
from weserve.core.live import close_sockets_on_commit, session_group
from weserve.core.tokens import revoke_all_user_tokens

# Who is changing accounts in this context, and from where: (user, ip).
_acting: ContextVar[tuple[Any, str | None] | None] = ContextVar("weserve_acting", default=None)
# The changes to a user row that end access, noted before its save (the row's pk).
_ENDING = "_weserve_access_ending"


@contextlib.contextmanager
def acting(user: Any, ip: str | None) -> Iterator[None]:
    """Changes to accounts made inside are audited as this person's, from this address
    (outside, as nobody's: the shell, a command)."""
    token = _acting.set((user, ip))
    try:
        yield
    finally:
        _acting.reset(token)


@transaction.atomic
def password_changed(user: Any, *, acting_user: Any = None, ip: str | None = None) -> int:
    """Call after a person's password was changed (saved); returns tokens revoked."""
    revoked = revoke_all_user_tokens(user)
    log_action(
        "core.user.password_changed",
        user=acting_user,
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


def _saves(update_fields: Any, field: str) -> bool:
    return update_fields is None or field in update_fields


def user_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """pre_save of the user model: note whether this save ends access."""
    instance.__dict__.pop(_ENDING, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    ending: set[str] = set()
    if _saves(update_fields, "password"):
        # set_password() keeps the raw password until the save (Django clears it after
        # post_save); a hash upgrade at sign-in clears it first, and is no change.
        if instance.__dict__.get("_password") is not None:
            ending.add("password")
        elif str(instance.password).startswith(UNUSABLE_PASSWORD_PREFIX):
            # Password sign-in switched off (the admin's choice, set_unusable_password).
            before = sender._default_manager.filter(pk=instance.pk).values_list(
                "password", flat=True
            )
            if not str(before.first() or "").startswith(UNUSABLE_PASSWORD_PREFIX):
                ending.add("password")
    if _saves(update_fields, "is_active") and not instance.is_active:
        if sender._default_manager.filter(pk=instance.pk, is_active=True).exists():
            ending.add("is_active")
    if ending:
        instance.__dict__[_ENDING] = ending


def user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """post_save of the user model: end the access the save ended (see user_saving)."""
    ending = instance.__dict__.pop(_ENDING, None)
    if created or not ending:
        return
    by, ip = _acting.get() or (None, None)
    if "password" in ending:
        password_changed(instance, acting_user=by, ip=ip)
    if "is_active" in ending:
        account_deactivated(instance, acting_user=by, ip=ip)


def signed_out(sender: Any, request: HttpRequest, user: Any = None, **kwargs: Any) -> None:
    """user_logged_out: close the sockets this browser session opened. (Its other
    sessions, elsewhere, stay signed in, and so do their sockets.)"""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        close_sockets_on_commit(session_group(key))
