"""Device tokens and pairing: kiosks, displays, rating tablets and the telephone exchange."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.tokens import hash_token, new_token
from weserve.organisation.models import Counter, Device, Office, PairingCode

# Pairing codes avoid letters and digits people confuse (0/O, 1/I/L).
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 8


def resolve_device_token(raw: str) -> Device | None:
    """The live device behind a token, or None."""
    if not raw:
        return None
    return (
        Device.objects.select_related("office", "counter")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )


def _check_counter(office: Office, kind: str, counter: Counter | None) -> None:
    if kind == Device.Kind.RATING:
        if counter is None:
            raise DomainError(
                "counter_required", _("A rating tablet must be bound to a counter."), status=422
            )
        if counter.office_id != office.pk:
            raise DomainError(
                "counter_not_in_office", _("That counter belongs to another office."), status=422
            )
    elif counter is not None:
        raise DomainError(
            "counter_not_allowed", _("Only rating tablets are bound to a counter."), status=422
        )


@transaction.atomic
def create_device(
    office: Office,
    kind: str,
    name: str,
    *,
    counter: Counter | None = None,
    acting_user: Any = None,
) -> tuple[Device, str]:
    """A new device with a fresh token; returns the token, which is shown only now."""
    if kind not in Device.Kind.values:
        raise DomainError("invalid_kind", _("Unknown device kind."), status=422)
    _check_counter(office, kind, counter)
    raw = new_token()
    device = Device.objects.create(
        office=office,
        kind=kind,
        name=name,
        counter=counter,
        token_hash=hash_token(raw),
        created_at=clock.now(),
    )
    log_action(
        "organisation.device.created",
        user=acting_user,
        office=office,
        target=device,
        data={"kind": kind, "name": name, "counter": counter.number if counter else None},
    )
    return device, raw


@transaction.atomic
def revoke_device(device: Device, *, acting_user: Any = None) -> None:
    """Revoke a device: its token and cookie stop working at once."""
    updated = Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if updated:
        log_action(
            "organisation.device.revoked", user=acting_user, office=device.office, target=device
        )


@transaction.atomic
def create_pairing_code(device: Device, *, acting_user: Any = None) -> str:
    """A one-time code the device's browser types in at /pair/ within a few minutes."""
    if device.revoked_at is not None:
        raise DomainError("device_revoked", _("This device has been revoked."))
    code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    now = clock.now()
    PairingCode.objects.create(
        device=device,
        code_hash=hash_token(code),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=settings.PAIRING_CODE_TTL_MINUTES),
    )
    log_action(
        "organisation.device.pairing_code_created",
        user=acting_user,
        office=device.office,
        target=device,
    )
    return code


def normalise_pairing_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


@transaction.atomic
def redeem_pairing_code(raw_code: str, *, ip: str | None = None) -> tuple[Device, str]:
    """Pair a browser: the code is spent, the device gets a new token for its cookie."""
    code_hash = hash_token(normalise_pairing_code(raw_code))
    now = clock.now()
    claimed = PairingCode.objects.filter(
        code_hash=code_hash,
        used_at__isnull=True,
        expires_at__gt=now,
        device__revoked_at__isnull=True,
    ).update(used_at=now)
    if claimed != 1:
        raise DomainError(
            "invalid_pairing_code",
            _("This pairing code is wrong, used or expired. Ask an administrator for a new one."),
            status=422,
        )
    pairing = PairingCode.objects.select_related("device__office").get(code_hash=code_hash)
    device = pairing.device
    raw = new_token()
    Device.objects.filter(pk=device.pk).update(token_hash=hash_token(raw), last_seen_at=now)
    device.token_hash = hash_token(raw)
    log_action(
        "organisation.device.paired", office=device.office, target=device, ip=ip, actor=device.name
    )
    return device, raw
