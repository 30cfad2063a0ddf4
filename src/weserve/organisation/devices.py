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
from weserve.core.live import close_sockets_on_commit, device_group
from weserve.core.models import AuditLog
from weserve.core.tokens import hash_token, new_token
from weserve.organisation.models import Counter, Device, Office, PairingCode

# Pairing codes avoid letters and digits people confuse (0/O, 1/I/L).
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 8
# Codes are short enough to type, so wrong guesses are limited per client address.
PAIRING_ATTEMPT_LIMIT = 10
PAIRING_ATTEMPT_WINDOW = dt.timedelta(minutes=15)
PAIRING_FAILED_ACTION = "organisation.device.pairing_failed"
# The kinds that run in a browser and are paired; programs keep their token.
BROWSER_KINDS = frozenset(Device.Kind) - Device.PROGRAM_KINDS
NAME_MAX_LENGTH = Device._meta.get_field("name").max_length or 100


def resolve_device_token(raw: str) -> Device | None:
    """The live device behind a token, or None (`Device.objects.for_token`)."""
    return Device.objects.for_token(raw)


def default_device_name(office: Office, kind: str) -> str:
    """A name for a device nobody named: its kind and the next number, e.g. "Kiosk 2"."""
    label = str(Device.Kind(kind).label)
    number = Device.objects.filter(office=office, kind=kind).count() + 1
    return str(_("{kind} {number}").format(kind=label, number=number))


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
    actor: str = "",
) -> tuple[Device, str]:
    """A new device with a fresh token; returns the token, which is shown only now."""
    if kind not in Device.Kind.values:
        raise DomainError("invalid_kind", _("Unknown device kind."), status=422)
    _check_counter(office, kind, counter)
    name = name.strip() or default_device_name(office, kind)
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            "name_too_long",
            _("A device name has at most {limit} characters.").format(limit=NAME_MAX_LENGTH),
            status=422,
        )
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
        actor=actor,
        office=office,
        target=device,
        data={"kind": kind, "name": name, "counter": counter.number if counter else None},
    )
    return device, raw


@transaction.atomic
def revoke_device(device: Device, *, acting_user: Any = None, actor: str = "") -> bool:
    """Revoke a device: its token and cookie stop working at once, and its open sockets
    close when this commits. False if already revoked."""
    now = clock.now()
    updated = Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=now)
    if updated:
        device.revoked_at = now
        close_sockets_on_commit(device_group(device.pk))
        log_action(
            "organisation.device.revoked",
            user=acting_user,
            actor=actor,
            office=device.office,
            target=device,
            data={"name": device.name},
        )
    return bool(updated)


@transaction.atomic
def create_pairing_code(device: Device, *, acting_user: Any = None) -> str:
    """A one-time code the device's browser types in at /pair/ within a few minutes.

    Only the newest code works: making a new one retires the device's unused codes.
    """
    if device.revoked_at is not None:
        raise DomainError("device_revoked", _("This device has been revoked."))
    if device.kind not in BROWSER_KINDS:
        raise DomainError(
            "not_a_browser_device",
            _("Only kiosks, displays and rating tablets are paired with a browser."),
            status=422,
        )
    code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    now = clock.now()
    PairingCode.objects.filter(device=device, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
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
        data={"name": device.name},
    )
    return code


def normalise_pairing_code(raw: str) -> str:
    """The code as stored: capitals and digits only, whatever spacing people typed."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def failed_pairing_attempts(ip: str) -> int:
    """Wrong pairing codes typed from this address within the attempt window."""
    since = clock.now() - PAIRING_ATTEMPT_WINDOW
    return AuditLog.objects.filter(action=PAIRING_FAILED_ACTION, ip=ip, at__gte=since).count()


def redeem_pairing_code(raw_code: str, *, ip: str | None = None) -> tuple[Device, str]:
    """Pair a browser: the code is spent, the device gets a new token for its cookie.

    The new token replaces the device's old one, so a browser paired earlier with the
    same device stops working, its open sockets closed: one device, one browser.
    """
    if ip and failed_pairing_attempts(ip) >= PAIRING_ATTEMPT_LIMIT:
        raise DomainError(
            "too_many_attempts",
            _("Too many wrong pairing codes from this address. Try again in 15 minutes."),
            status=429,
        )
    code = normalise_pairing_code(raw_code)
    if code:
        paired = _claim_pairing_code(code, ip=ip)
        if paired is not None:
            return paired
    # Recorded in its own transaction: it must outlive the refusal that follows.
    with transaction.atomic():
        log_action(PAIRING_FAILED_ACTION, ip=ip, actor="pairing")
    raise DomainError(
        "invalid_pairing_code",
        _("This pairing code is wrong, used or expired. Ask an administrator for a new one."),
        status=422,
    )


@transaction.atomic
def _claim_pairing_code(code: str, *, ip: str | None) -> tuple[Device, str] | None:
    code_hash = hash_token(code)
    now = clock.now()
    # A conditional update claims the code, so two browsers typing it at once cannot both win.
    claimed = PairingCode.objects.filter(
        code_hash=code_hash,
        used_at__isnull=True,
        expires_at__gt=now,
        device__revoked_at__isnull=True,
    ).update(used_at=now)
    if claimed != 1:
        return None
    pairing = PairingCode.objects.select_related("device__office", "device__counter").get(
        code_hash=code_hash
    )
    device = pairing.device
    raw = new_token()
    Device.objects.filter(pk=device.pk).update(token_hash=hash_token(raw), last_seen_at=now)
    device.token_hash = hash_token(raw)
    device.last_seen_at = now
    # The browser paired before with the old token loses its sockets; the new one opens
    # its own only after this answer has set its cookie.
    close_sockets_on_commit(device_group(device.pk))
    log_action(
        "organisation.device.paired", office=device.office, target=device, ip=ip, actor=device.name
    )
    return device, raw
