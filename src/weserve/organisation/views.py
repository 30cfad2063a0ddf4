"""Organisation pages: each role's home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weserve.core.presence import live_presence
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids, visible_offices
from weserve.organisation.models import Counter, CounterService, Service, StaffMember


def _with_live_presence(office: Any, staff: list[StaffMember]) -> list[StaffMember]:
    """Mark who is somewhere another app knows of right now (e.g. at a counter)."""
    live = live_presence(office)
    for person in staff:
        person.live_presence = live.get(person.user_id) if person.user_id else None
    return staff


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What exists for this person's office now: counters, services, staff, offices below."""
    office = request.office
    user = request.user
    context: dict[str, Any] = {"office": office}
    if office is not None:
        services = list(Service.objects.offered_at(office).order_by("prefix"))
        counters = list(
            Counter.objects.active()
            .filter(office=office)
            .prefetch_related(
                # In the order each counter calls them (rank, then prefix).
                Prefetch(
                    "service_links",
                    queryset=CounterService.objects.filter(service__is_active=True).select_related(
                        "service"
                    ),
                )
            )
        )
        for counter in counters:
            links = counter.service_links.all()
            counter.served = [link.service for link in links]
            counter.ranked = len({link.rank for link in links}) > 1
        offered = {s.pk for s in services}
        context.update(
            is_open=office.is_open(),
            counters=counters,
            # A counter that takes every one of many services gets one line, not a long list.
            counters_serving_all={
                c.pk for c in counters if len(offered) > 4 and offered <= {s.pk for s in c.served}
            },
            services=services,
            staff=_with_live_presence(
                office,
                list(StaffMember.objects.active().of_office(office).select_related("section")),
            ),
        )
    if has_role(user, Role.HEAD):
        # A head oversees the offices below their own, whichever office they work in now.
        context["offices_below"] = (
            visible_offices(user)
            .exclude(pk__in=home_office_ids(user))
            .annotate(counter_count=Count("counters", filter=Q(counters__is_active=True)))
            .order_by("code")
        )
    return render(request, "organisation/home.html", context)
