"""Bad input stopped at the door, in one place for every app.

- `RequestGuardMiddleware`: a body larger than Django reads is 413 at once; a NUL
  character in the path, the query or the body (a JSON string or a form field) is refused
  before any view sees it. PostgreSQL refuses NUL in text, which made every such request
  a 500, and SQLite stored it.
- `ApiErrorShapeMiddleware`: every error under /api/ is JSON in the documented shape
  `{"detail", "code"}`, also those no endpoint made: an unknown path (Django's 404 page),
  a method the path does not take (405, text/plain from Ninja), or a 500 from a
  middleware (the idempotency claim on a broken database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
NUL = "\x00"
# What a body holds when it carries a NUL: the byte itself, a form's escape, JSON's escape.
_NUL_MARKS = (b"\x00", b"%00", b"\\u0000")
# Headers an error keeps when it is rewritten as JSON.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    """An answer in the API's error shape (the same as weserve.core.api's handlers)."""
    body = {"detail": detail, "code": code, **extra}
    return HttpResponse(json.dumps(body), status=status, content_type=JSON_CONTENT_TYPE)


def _nul_message() -> str:
    return _("Text may not contain NUL characters.")


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """Where in a parsed JSON document a NUL sits, as the API names fields ("a.0.b")."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name
            yield from _nul_paths(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


def _nul_fields(request: HttpRequest) -> dict[str, str]:
    """The fields of a request that carry a NUL, each with the message; {} if none."""
    fields: dict[str, str] = {}
    if NUL in request.path:
        fields["path"] = _nul_message()
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            fields[key.replace(NUL, "")] = _nul_message()
    if _page_upload(request):
        # Uploaded files are binary (a photograph holds NUL bytes): only the form's text
        # fields are checked, and the body is parsed as a stream, never read whole. Not
        # on the API: it takes no uploads, and its views read the body itself (parsing it
        # here would leave them none: the token endpoint answered 500 and so counted no
        # failed sign-in, tests/core/test_lockout_content_types.py).
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                fields[key.replace(NUL, "")] = _nul_message()
        return fields
    body = request.body
    if not any(mark in body for mark in _NUL_MARKS):
        return fields  # the common case: one scan of the body, nothing parsed
    if b"\x00" in body:
        fields["body"] = _nul_message()
        return fields
    content_type = (request.content_type or "").lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                fields[key.replace(NUL, "")] = _nul_message()
        return fields
    try:
        document = json.loads(body)
    except ValueError:
        return fields  # not JSON: the endpoint refuses it as it is
    for name in _nul_paths(document, ""):
        fields[name.replace(NUL, "")] = _nul_message()
    return fields


def _page_upload(request: HttpRequest) -> bool:
    """A form with files sent to a page (the API takes none)."""
    return (request.content_type or "").lower() == "multipart/form-data" and not (
        request.path_info.startswith("/api/")
    )


def _body_limit(request: HttpRequest) -> int | None:
    """The largest body read: uploads to pages may be larger than other bodies."""
    if _page_upload(request):
        return int(getattr(settings, "UPLOAD_BODY_MAX_SIZE", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large(request: HttpRequest) -> bool:
    limit = _body_limit(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django reads no body with a length it cannot parse
    return limit is not None and length > limit


class RequestGuardMiddleware:
    """413 for a body too large to read; NUL characters refused (422 on the API, 400 on
    pages) before any view, service or database sees them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _too_large(request):
            limit_mb = (_body_limit(request) or 0) / (1024 * 1024)
            detail = _("The request body is too large (at most {size:.1f} MB).").format(
                size=limit_mb
            )
            if is_api(request):
                return api_error(413, "request_too_large", detail)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        fields = _nul_fields(request)
        if fields:
            detail = _("Invalid input: {fields}.").format(fields=", ".join(fields))
            if is_api(request):
                return api_error(422, "invalid", detail, fields=fields)
            return HttpResponse(
                _nul_message(), status=400, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


def _generic_error(status: int) -> tuple[str, str]:
    known = {
        400: ("bad_request", _("The request could not be read.")),
        401: ("unauthenticated", _("Sign in or send a valid token.")),
        403: ("forbidden", _("Your role may not do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        413: ("request_too_large", _("The request body is too large.")),
        415: (
            "unsupported_media_type",
            _("Send the request body as JSON, with Content-Type: application/json."),
        ),
        429: ("rate_limited", _("Too many requests. Try again later.")),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return "server_error", _("Something went wrong on our side.")
    return "error", _("The request could not be served.")


class ApiErrorShapeMiddleware:
    """Under /api/, an error that is not JSON yet becomes JSON in the error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        # In the request's language (LocaleMiddleware set it on the way in), whatever the
        # thread was left speaking.
        language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
        with translation.override(language):
            code, detail = _generic_error(response.status_code)
        shaped = api_error(response.status_code, code, detail)
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
