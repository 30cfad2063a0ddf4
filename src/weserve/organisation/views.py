"""Organisation pages: each role's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weserve.organisation.models import Counter, Service, StaffMember


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What exists for this person's office now: counters, services, staff."""
    office = request.office
    context = {"office": office}
    if office is not None:
        context.update(
            counters=Counter.objects.filter(office=office).prefetch_related("services"),
            services=Service.objects.offered_at(office),
            staff=StaffMember.objects.active().of_office(office).select_related("section"),
        )
    return render(request, "organisation/home.html", context)
