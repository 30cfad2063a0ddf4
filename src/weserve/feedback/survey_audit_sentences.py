"""The sentences of the perception survey's audit actions, for the audit log page
(registered in `FeedbackConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import Sentence

SENTENCES: dict[str, Sentence] = {
    "feedback.survey.created": _("Perception survey period “%(title)s” created"),
    "feedback.survey.section_added": _(
        "Section “%(section)s” added to perception survey “%(title)s”"
    ),
    "feedback.survey.section_removed": _(
        "Section “%(section)s” removed from perception survey “%(title)s”"
    ),
    "feedback.survey.item_added": _("Statement added to perception survey “%(title)s”"),
    "feedback.survey.item_removed": _("Statement removed from perception survey “%(title)s”"),
    "feedback.survey.population_set": _("Sampling plan of perception survey “%(title)s” set"),
    "feedback.survey.opened": _("Perception survey “%(title)s” opened for responses"),
    "feedback.survey.closed": _("Perception survey “%(title)s” closed"),
    "feedback.survey.response_received": _("Response to perception survey “%(title)s” received"),
    "feedback.survey.report_submitted": _(
        "Perception survey report “%(title)s” submitted to the head of department"
    ),
    "feedback.survey.report_acknowledged": _(
        "Perception survey report “%(title)s” acknowledged by the head of department"
    ),
    "feedback.survey.follow_up_recorded": _(
        "Follow-up action recorded on perception survey report “%(title)s”"
    ),
}
