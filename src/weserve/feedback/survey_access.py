"""Who may do what with the perception survey: one place for the rules.

- Building a period (questionnaire, sampling plan, opening and closing), its report and
  submitting it: the office's supervisors (Penyelia).
- Keying in paper forms: the office's supervisors and counter staff.
- A period's report page, PDF and workbook: the office's supervisors, and a head of
  department (Ketua Jabatan) of an office above it.
- The head's queue of submitted reports, acknowledging them and recording follow-up
  actions: heads of department, for the offices below them.
- The questionnaire itself (the period's QR link, the office's tablet link): anyone,
  no sign-in; the link's unguessable id is the authority.

Another office's period or report (one the person cannot see) is 404; a wrong role
inside an office the person can see is 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.scoping import office_for_user, visible_office_ids
from weserve.feedback.survey_models import SurveyPeriod, SurveyReport
from weserve.organisation.models import Office

MANAGER_ROLES = (Role.SUPERVISOR,)
PAPER_ROLES = (Role.SUPERVISOR, Role.COUNTER_STAFF)
REPORT_ROLES = (Role.SUPERVISOR, Role.HEAD)
HEAD_ROLES = (Role.HEAD,)


def _office(user: Any, office_code: str, roles: tuple[Role, ...]) -> Office:
    office = office_for_user(user, office_code)
    if not has_role(user, *roles):
        raise PermissionDenied
    return office  # type: ignore[return-value]


def require_manager(user: Any, office_code: str) -> Office:
    """The office, for its supervisor."""
    return _office(user, office_code, MANAGER_ROLES)


def require_paper_keyer(user: Any, office_code: str) -> Office:
    return _office(user, office_code, PAPER_ROLES)


def require_report_reader(user: Any, office_code: str) -> Office:
    return _office(user, office_code, REPORT_ROLES)


def require_period(office: Office, pk: int) -> SurveyPeriod:
    """The office's period of this id (another office's is 404)."""
    period = SurveyPeriod.objects.select_related("office").filter(office=office, pk=pk).first()
    if period is None:
        raise Http404
    return period


def require_head(user: Any) -> frozenset[int]:
    """The offices whose reports a head of department receives."""
    if not has_role(user, *HEAD_ROLES):
        raise PermissionDenied
    return visible_office_ids(user)


def require_report(user: Any, pk: int) -> SurveyReport:
    """A submitted report, for a head of department above its office (404 for a report
    of an office the person cannot see, 403 for another role)."""
    report = (
        SurveyReport.objects.select_related("period__office", "submitted_by__staff")
        .filter(pk=pk, period__office_id__in=visible_office_ids(user))
        .first()
    )
    if report is None:
        raise Http404
    if not has_role(user, *HEAD_ROLES):
        raise PermissionDenied
    return report
