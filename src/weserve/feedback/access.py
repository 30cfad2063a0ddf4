"""Who may rate a visit: one place for customer feedback's rules.

- The counter's rating tablet: a live `rating` device of the office, bound to the counter
  in the address. Another office's tablet (or an unknown office or counter) is 404; a
  device of another kind, or the tablet of another counter, is 403. A browser that is not
  paired as a device may not rate at a counter (`NotPaired`).
- The slip's QR link: whoever holds the ticket's public id, with no sign-in.
- The API: a `rating` device of the office (its token or paired cookie), or no
  credentials at all, when the ticket's public id is the authority. People's sign-ins
  never rate on a customer's behalf (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.tokens import Principal
from weserve.organisation.models import Counter, Device, Office
from weserve.queueing.access import require_device_kind


class NotPaired(Exception):
    """The browser is not paired as any device: it is shown how to pair, not a rating."""


@dataclass(frozen=True)
class Tablet:
    """A counter's rating tablet, checked against the address it opened."""

    office: Office
    counter: Counter
    device: Device


def require_tablet(device: Device | None, office_code: str, counter_number: int) -> Tablet:
    """The rating tablet of this office's counter, as the caller's paired device."""
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise Http404
    if device is None:
        raise NotPaired
    if device.office_id != office.pk:
        raise Http404
    require_device_kind(Principal(device=device), Device.Kind.RATING)
    counter = Counter.objects.filter(office=office, number=counter_number).first()
    if counter is None:
        raise Http404
    if device.counter_id != counter.pk:
        raise PermissionDenied
    return Tablet(office=office, counter=counter, device=device)


def require_api_rater(caller: Principal | None, office: Office) -> Device | None:
    """The rating tablet calling the API, or None for a call without credentials (the
    ticket's public id is then the authority)."""
    if caller is None:
        return None
    if caller.device is None:
        raise PermissionDenied  # a person: ratings are the customers' own
    if caller.device.office_id != office.pk:
        raise Http404
    require_device_kind(caller, Device.Kind.RATING)
    return caller.device
