"""The referrals' live stream: one per office, `referrals`, over core's numbered streams.

An event names the referral and the people it concerns (the officer's and the referring
counter staff's user ids); the consumer forwards it only to them and to the office's
supervisors (register/consumers.py), and the screens fetch what they show afresh.
"""

from __future__ import annotations

from typing import Any

from weserve.core import live

REFERRALS = "referrals"


def publish_referral(referral: Any, type_: str) -> dict[str, Any]:
    """Number a referral event now; send it when the surrounding transaction commits."""
    return live.publish(
        referral.office_id,
        REFERRALS,
        type_,
        referral=referral.pk,
        status=referral.status,
        users=[referral.officer.user_id, referral.referred_by_id],
    )
