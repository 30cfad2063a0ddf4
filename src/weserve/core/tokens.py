"""Bearer tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.contracts import device_manager
from weserve.core.live import close_sockets_on_commit, token_group, user_group
from weserve.core.models import ApiToken


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """What is stored: tokens are long and random, so a plain SHA-256 suffices."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in person, or a paired device of one office."""

    user: Any = None
    device: Any = None
    office_ids: frozenset[int] = field(default_factory=frozenset)
    # The person's API token the caller sent, if that is how they came in: revoking it
    # closes the sockets it opened (weserve.core.live.token_group).
    token_id: int | None = None
    # Set only by api.UnresolvedBearerAuth: a bearer token nobody has looked up yet. Such a
    # Principal has no user, device or office, so every ordinary check refuses it.
    unresolved_token: str = ""

    @property
    def is_device(self) -> bool:
        return self.device is not None


def resolve_device(raw: str) -> Any:
    """The live device behind a device token or cookie, or None: asked of the model
    WESERVE_DEVICE_MODEL names (weserve.core.contracts), which core does not import."""
    return device_manager().for_token(raw)


@transaction.atomic
def issue_user_token(user: Any, *, ip: str | None = None) -> str:
    """A new API token for a person; valid for USER_TOKEN_TTL_HOURS."""
    raw = new_token()
    now = clock.now()
    ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.USER_TOKEN_TTL_HOURS),
    )
    log_action("core.token.issued", user=user, ip=ip)
    return raw


# "Last used" is for people reading a list, so it is written at most this often: a
# device polling every few seconds must not turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def is_stale(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a "last used" time is old enough to be written again."""
    return last is None or now - last >= LAST_USED_RESOLUTION


def _live_user_token(raw: str) -> ApiToken | None:
    if not raw:
        return None
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if is_stale(token.last_used_at, now):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def resolve_user_token(raw: str) -> Any:
    """The user behind a live token, or None (unknown, expired or revoked)."""
    token = _live_user_token(raw)
    return token.user if token is not None else None


@transaction.atomic
def revoke_user_token(raw: str, *, user: Any) -> bool:
    """Revoke one of this person's tokens; False if it was not theirs or already dead.
    The sockets it opened close when this commits."""
    token_ids = list(
        ApiToken.objects.filter(
            key_hash=hash_token(raw), user=user, revoked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    count = ApiToken.objects.filter(pk__in=token_ids, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if count:
        log_action("core.token.revoked", user=user)
        close_sockets_on_commit(*(token_group(pk) for pk in token_ids))
    return bool(count)


@transaction.atomic
def revoke_all_user_tokens(user: Any) -> int:
    """Revoke every live token of a person and close every socket they opened, with a
    token or a session, when this commits. Returns how many tokens were revoked."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    close_sockets_on_commit(user_group(user.pk))
    return count


def resolve_bearer(raw: str) -> Principal | None:
    """A Principal for a bearer token of either kind, or None."""
    from weserve.core.scoping import visible_office_ids

    token = _live_user_token(raw)
    if token is not None:
        user = token.user
        return Principal(user=user, office_ids=visible_office_ids(user), token_id=token.pk)
    device = resolve_device(raw)
    if device is not None:
        return Principal(device=device, office_ids=frozenset({device.office_id}))
    return None
