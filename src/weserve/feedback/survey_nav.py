"""The perception survey's menu entries: the supervisor's survey periods, and the head
of department's queue of submitted reports with its badge (how many wait)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weserve.core.navigation import NavItem, register
from weserve.feedback.survey_access import HEAD_ROLES, MANAGER_ROLES


def inbox_badge(request: HttpRequest) -> dict[str, Any]:
    """The badge's context: how many reports wait for this head, and where it refreshes
    (the head's report stream, feedback/consumers.py)."""
    from weserve.core.scoping import visible_office_ids
    from weserve.feedback.survey_selectors import waiting_count

    return {
        "template": "feedback/survey/nav_badge.html",
        "count": waiting_count(visible_office_ids(request.user)),
        "url": reverse("feedback_survey_badge"),
        "live_path": "/ws/survey-reports/",
    }


def register_survey_menu() -> None:
    register(
        NavItem(
            label=_("Perception survey"),
            url_name="feedback_survey_home",
            roles=MANAGER_ROLES,
            order=60,
        )
    )
    register(
        NavItem(
            label=_("Survey reports"),
            url_name="feedback_survey_inbox",
            roles=HEAD_ROLES,
            order=61,
            badge=inbox_badge,
        )
    )
