"""A complaint's attachments, only through these views: the complaint's handlers (its
office's supervisors, or its complaint officer) download them and attach more. The
files are never served as static or media files."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core.errors import DomainError
from weserve.feedback import attachment_services as attachments
from weserve.feedback.complaint_access import require_complaint, require_handler
from weserve.feedback.complaint_views import _detail
from weserve.feedback.services import InvalidInput


@never_cache
@require_GET
def attachment_file(
    request: HttpRequest, office_code: str, reference: str, pk: int
) -> FileResponse:
    office = require_handler(request.user, office_code)
    complaint = require_complaint(request.user, office, reference)
    found = complaint.attachments.filter(pk=pk).first()
    if found is None or not found.file:
        raise Http404
    try:
        handle = found.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=True, filename=found.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_POST
def attachment_add(request: HttpRequest, office_code: str, reference: str) -> HttpResponse:
    office = require_handler(request.user, office_code)
    complaint = require_complaint(request.user, office, reference)
    try:
        attachments.attach(
            complaint, request.FILES.getlist("attachments"), acting_user=request.user
        )
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return _detail(request, office, reference, status=422, errors=errors)
    except DomainError as exc:
        return _detail(request, office, reference, status=exc.status, message=str(exc.message))
    return redirect("feedback_complaint_detail", office.code, complaint.reference)
