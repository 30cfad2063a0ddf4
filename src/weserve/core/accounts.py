"""What ends a person's access: a new password, or their account switched off.

Django already refuses their other sessions (a session remembers a hash of the password,
and an inactive person's session is no longer theirs). These services end the rest: the
person's API tokens are revoked and every socket they opened, on every worker, is closed
when the change commits (weserve.core.live.close_sockets).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

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
        data={"tokens_revoked": revoked},
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
        data={"tokens_revoked": revoked},
    )
    return revoked
