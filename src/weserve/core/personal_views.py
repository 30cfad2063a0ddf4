"""The one endpoint that shows a MyKad number in full: POST, audited, never cached."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from weserve.core.net import client_ip
from weserve.core.personal import mykad_field, reveal_mykad


@never_cache
@login_required
@require_POST
def mykad_reveal(request: HttpRequest) -> HttpResponse:
    """Reveal `field` of record `pk` of model `record` ("app_label.model"), posted as a form.

    Pages show the masked number with a button posting here (see core/_mykad.html);
    htmx swaps the answer in place.
    """
    try:
        model = apps.get_model(request.POST.get("record", ""))
        field = mykad_field(model, request.POST.get("field", ""))
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    try:
        instance = model._base_manager.get(pk=request.POST.get("pk", ""))
    except (model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    number = reveal_mykad(
        instance,
        field.name,
        user=request.user,
        office=getattr(request, "office", None),
        ip=client_ip(request),
    )
    template = "core/_mykad_revealed.html" if request.htmx else "core/mykad_revealed.html"  # type: ignore[attr-defined]
    return render(request, template, {"number": number})
