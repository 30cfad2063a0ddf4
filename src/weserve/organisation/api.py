"""Organisation endpoints: the offices and services a caller may see."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from weserve.core.api import Schema, principal
from weserve.organisation.models import Office, Service

router = Router(tags=["organisation"])


class OfficeOut(Schema):
    code: str
    name_ms: str
    name_en: str
    kind: str
    parent: str | None
    is_open: bool


class ServiceOut(Schema):
    code: str
    name_ms: str
    name_en: str
    prefix: str
    typical_minutes: int


def _office_out(office: Office) -> OfficeOut:
    return OfficeOut(
        code=office.code,
        name_ms=office.name_ms,
        name_en=office.name_en,
        kind=office.kind,
        parent=office.parent.code if office.parent else None,
        is_open=office.is_open(),
    )


def office_for_caller(request: HttpRequest, code: str) -> Office:
    """The office named in the path, if the caller may see it; 404 otherwise."""
    from django.http import Http404

    caller = principal(request)
    office = (
        Office.objects.select_related("parent")
        .prefetch_related("opening_hours", "holidays")
        .filter(code=code, pk__in=caller.office_ids)
        .first()
    )
    if office is None:
        raise Http404
    return office


@router.get("/offices", response=list[OfficeOut])
def list_offices(request: HttpRequest) -> list[OfficeOut]:
    """The offices the caller may see."""
    caller = principal(request)
    offices = (
        Office.objects.filter(pk__in=caller.office_ids)
        .select_related("parent")
        .prefetch_related("opening_hours", "holidays")
    )
    return [_office_out(o) for o in offices]


@router.get("/offices/{office_code}", response=OfficeOut)
def get_office(request: HttpRequest, office_code: str) -> OfficeOut:
    return _office_out(office_for_caller(request, office_code))


@router.get("/offices/{office_code}/services", response=list[ServiceOut])
def list_services(request: HttpRequest, office_code: str) -> list[Service]:
    """The active services an office offers."""
    office = office_for_caller(request, office_code)
    return list(Service.objects.offered_at(office))
