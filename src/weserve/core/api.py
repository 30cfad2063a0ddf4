"""The API's shared parts: authentication, the error shape, and the NinjaAPI factory.

Errors are always JSON `{"detail", "code", "fields"?}` (DESIGN.md): 401 without valid
credentials, 403 for a wrong role in one's own office, 404 for unknown records and
other offices' records, 409 for state conflicts, 422 for invalid fields.
"""

from __future__ import annotations

import logging
import types
import typing
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja import Schema as NinjaSchema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import Field, ValidationInfo, field_validator

from weserve.core.errors import DomainError
from weserve.core.tokens import Principal, resolve_bearer, resolve_device
from weserve.core.unavailable import api_unavailable, database_unavailable

logger = logging.getLogger("weserve.api")

# Ninja's message when the body is not JSON at all; recognised to answer 422 or 415.
_UNPARSABLE_BODY = "Cannot parse request body"


def is_json_content_type(request: HttpRequest) -> bool:
    """Whether the request says its body is JSON (application/json, or a `+json` type)."""
    kind = (request.content_type or "").lower()
    return kind == "application/json" or kind.endswith("+json")


def unreadable_body_error(request: HttpRequest) -> tuple[int, str, str, dict[str, str]]:
    """Status, code and message for a body that is not JSON where JSON was expected: 422
    (an invalid `body`) when it says it is JSON, 415 when it says it is something else.

    A JSON body is read whatever its Content-Type says (Ninja's parser does), so a client
    that forgets the header still works; what cannot be read is refused, never guessed at.
    """
    if is_json_content_type(request):
        message = _("The request body is not valid JSON.")
        return 422, "invalid", message, {"body": message}
    message = _("Send the request body as JSON, with Content-Type: application/json.")
    return 415, "unsupported_media_type", message, {}


def _takes_number_not_bool(annotation: Any) -> bool:
    """Whether a field is a number (int or float, maybe optional) that is not also a bool."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        return bool not in members and any(m in (int, float) for m in members)
    return False


class Schema(NinjaSchema):
    """The base of every API schema: Ninja's, except that a number is a number.

    Pydantic reads `true` as 1 where it wants an int, so `{"counter": true}` named counter
    1. JSON says what it sends; a boolean where a number (an id, a count) belongs is 422.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _takes_number_not_bool(field.annotation):
                raise ValueError(_("Send a number, not true or false."))
        return value


class ErrorOut(Schema):
    """Every error the API answers, whatever its status: `{"detail", "code", "fields"?}`."""

    detail: str = Field(description="What went wrong, in the request's language")
    code: str = Field(description="A stable machine-readable code, e.g. not_found")
    fields: dict[str, str] | None = Field(
        default=None, description="For 422: the message for each invalid field, by name"
    )


# The error answers the OpenAPI document lists, each once under components/responses and
# referred to by every operation that can give it (see `error_statuses`).
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request could not be read."),
    401: ("Unauthenticated", "No valid credentials (a bearer token or a signed-in session)."),
    403: (
        "Forbidden",
        "The caller's role or device may not do this, or a cookie-authenticated request "
        "lacks its CSRF token.",
    ),
    404: ("NotFound", "No such record, or one of another office."),
    409: (
        "Conflict",
        "The record's state does not allow this, or a request with the same "
        "Idempotency-Key is still running.",
    ),
    413: ("RequestTooLarge", "The request body is larger than the server reads (any request)."),
    415: ("UnsupportedMediaType", "The body is not JSON and does not say it is."),
    422: (
        "Invalid",
        "Invalid input: `fields` names each invalid field (a NUL character anywhere in the "
        "path, query or body is refused so on every operation).",
    ),
    429: ("RateLimited", "Too many failed attempts; Retry-After says when to try again."),
}


def error_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation of the OpenAPI document can answer with.

    Every request can be too large (413) or carry a NUL character (422); an operation with
    credentials can meet missing ones (401) or a wrong role, device or CSRF token (403);
    one with a path parameter can name an unknown record (404); a POST can meet a state
    conflict or its own Idempotency-Key still running (409); a body can be other than
    JSON (415). The statuses its decorator declares are kept.
    """
    statuses = {413, 422}
    declared = {int(s) for s in operation.get("responses", {}) if str(s).isdigit()}
    statuses |= {s for s in declared if s in ERROR_RESPONSES}
    if operation.get("security"):
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    if method.lower() == "post":
        statuses.add(409)
    if "requestBody" in operation:
        statuses.add(415)
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the error answers of every operation listed, all in the
    one error shape (ErrorOut), whatever each router's decorators declared."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorOut"] = error_schema
    media = {RENDERER.media_type: {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    responses = components.setdefault("responses", {})
    for name, description in ERROR_RESPONSES.values():
        responses[name] = {"description": description, "content": media}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, operation)):
                answers.pop(str(status), None)
                answers[status] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    return schema


# Every POST takes it (weserve.core.idempotency); the middleware, not a view, reads it.
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A repeat of this POST with the same key within 24 hours replays the "
    "first answer instead of acting again; 409 while the first still runs.",
}


def document_idempotency_key(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the Idempotency-Key header on every POST."""
    for operations in schema.get("paths", {}).values():
        post = operations.get("post")
        if post is not None:
            post.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY_PARAMETER))
    return schema


class WeServeAPI(NinjaAPI):
    """Ninja's API, whose OpenAPI document lists every operation's error answers and the
    Idempotency-Key header every POST takes."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_errors(document_idempotency_key(super().get_openapi_schema(**kwargs)))


def _require_csrf(request: HttpRequest) -> None:
    """Cookie credentials ride along on cross-site requests, so they need the CSRF token."""
    if getattr(request, "_ninja_csrf_exempt", False):
        return
    if check_csrf(request) is not None:
        raise DomainError(
            "csrf_failed",
            _("The CSRF token is missing or wrong. Reload the page and try again."),
            status=403,
        )


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a person's token or a device token."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        principal = resolve_bearer(token)
        if principal is not None and principal.user is not None:
            request.user = principal.user
        return principal


class UnresolvedBearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`, left unresolved for an endpoint that confirms the
    token itself in the statement that does its work (the ticket issue, the hot path of
    kiosks). Its Principal carries only the token; `resolve_principal` resolves it."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        return Principal(unresolved_token=token) if token else None


def resolve_principal(request: HttpRequest) -> Principal:
    """The caller, with an unresolved bearer token looked up now (401 if it is dead)."""
    caller = principal(request)
    if not caller.unresolved_token:
        return caller
    resolved = bearer_auth.authenticate(request, caller.unresolved_token)
    if resolved is None:
        raise AuthenticationError()
    request.auth = resolved  # type: ignore[attr-defined]
    return resolved


class DeviceCookieAuth(APIKeyCookie):
    """The httpOnly cookie a kiosk, display or rating browser got when it was paired."""

    param_name = settings.DEVICE_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Ninja checks CSRF before looking at the cookie, which turns a request with no
        # credentials at all into 403; the check belongs only to requests that carry one.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if not key:
            return None
        device = resolve_device(key)
        if device is None:
            return None
        _require_csrf(request)
        return Principal(device=device, office_ids=frozenset({device.office_id}))


class StaffSessionAuth(APIKeyCookie):
    """A signed-in browser session (CSRF-checked), for the staff pages' own calls."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        _require_csrf(request)
        from weserve.core.scoping import visible_office_ids

        return Principal(user=user, office_ids=visible_office_ids(user))


bearer_auth = BearerAuth()
device_cookie_auth = DeviceCookieAuth()
session_auth = StaffSessionAuth()
ANY_AUTH = [bearer_auth, session_auth, device_cookie_auth]
# For endpoints that confirm a bearer token in their own statement (see above).
UNRESOLVED_AUTH = [UnresolvedBearerAuth(), session_auth, device_cookie_auth]


def principal(request: HttpRequest) -> Principal:
    """The authenticated caller of an API endpoint."""
    auth = getattr(request, "auth", None)
    if not isinstance(auth, Principal):
        raise AuthenticationError()
    return auth


# The API's renderer (Ninja's JSON renderer and encoder), shared with `json_response`.
RENDERER = JSONRenderer()


def json_response(request: HttpRequest, data: Any, *, status: int) -> HttpResponse:
    """`data` rendered as the API renders a response (NinjaAPI.create_response: the same
    renderer, encoder and content type), for an endpoint that builds its answer's fields
    itself and skips validating them against its schema again (the ticket issue)."""
    content = RENDERER.render(request, data, response_status=status)
    content_type = f"{RENDERER.media_type}; charset={RENDERER.charset}"
    return HttpResponse(content, status=status, content_type=content_type)


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: str, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail, "code": code}
    body.update(extra)
    return api.create_response(request, body, status=status)


_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _field_name(loc: tuple | list) -> str:
    """The field a Ninja error points at, as a client names it: ("body", "payload",
    "counter", 0) is "counter.0"; ("query", "day") is "day"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)  # the endpoint's parameter name, which the client never sees
    return ".".join(parts) or "body"


def _fields(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors:
        name = _field_name(err.get("loc", ()))
        fields.setdefault(name, str(err.get("msg", _("Invalid value."))))
    return fields


def make_api(**kwargs: Any) -> NinjaAPI:
    """The NinjaAPI with WeServe's authentication and error handlers."""
    api = WeServeAPI(
        title="WeServe API",
        version="1",
        urls_namespace="api",
        auth=ANY_AUTH,
        openapi_url="/openapi.json",
        renderer=RENDERER,
        **kwargs,
    )

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = _fields(exc)
        names = ", ".join(fields)
        return error_response(
            api,
            request,
            422,
            "invalid",
            _("Invalid input: {fields}.").format(fields=names),
            fields=fields,
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(
            api, request, 401, "unauthenticated", _("Sign in or send a valid token.")
        )

    @api.exception_handler(AuthorizationError)
    def on_forbidden_ninja(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("Your role may not do this."))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("Your role may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(DomainError)
    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        # A refusal of several fields (e.g. feedback's InvalidRating) names each of them.
        fields = getattr(exc, "fields", None)
        extra = {"fields": {k: str(v) for k, v in fields.items()}} if fields else {}
        return error_response(api, request, exc.status, exc.code, str(exc.message), **extra)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith(_UNPARSABLE_BODY):
            status, code, message, fields = unreadable_body_error(request)
            extra = {"fields": fields} if fields else {}
            return error_response(api, request, status, code, message, **extra)
        codes = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            413: "request_too_large",
            415: "unsupported_media_type",
            422: "invalid",
            429: "rate_limited",
        }
        return error_response(
            api, request, exc.status_code, codes.get(exc.status_code, "error"), str(exc)
        )

    @api.exception_handler(RequestDataTooBig)
    def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Usually refused before (weserve.core.guards); this is a body with no length.
        message = _("The request body is too large.")
        return error_response(api, request, 413, "request_too_large", message)

    @api.exception_handler(Exception)
    def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if database_unavailable(exc):
            # Not a fault of ours or the caller's: try again shortly (core.unavailable).
            logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
            return api_unavailable()
        # Programs get JSON even when we fail; the signal keeps Django's error reporting
        # (and the test client's re-raise) working as for any other view.
        logger.exception("API error on %s %s", request.method, request.path)
        got_request_exception.send(sender=None, request=request)
        return error_response(
            api, request, 500, "server_error", _("Something went wrong on our side.")
        )

    @api.get("/ping", auth=None, tags=["meta"])
    def ping(request: HttpRequest) -> dict[str, bool]:
        """`{"ok": true}` and nothing else: no database, no channel layer (/healthz checks
        those). The yardstick bench/queue_load.py measures the ticket endpoint against."""
        return {"ok": True}

    return api
