"""The audit log: one call, `log_action`, used by every service."""

from __future__ import annotations

from typing import Any

from django.db import models

from weserve.core import clock
from weserve.core.db import insert
from weserve.core.models import AuditLog


def log_action(
    action: str,
    *,
    user: Any = None,
    office: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
    actor: str = "",
) -> AuditLog:
    """Write one audit entry. `action` is dotted: "<app>.<record>.<verb>"."""
    real_user = user if getattr(user, "is_authenticated", False) else None
    entry = AuditLog(
        at=clock.now(),
        action=action,
        user=real_user,
        actor=actor or (real_user.get_username() if real_user else ""),
        office_id=getattr(office, "pk", None),
        office_code=getattr(office, "code", "") or "",
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip=ip or None,
        data=data or {},
    )
    insert(entry)  # every service writes one: the INSERT is built once (core.db)
    return entry
