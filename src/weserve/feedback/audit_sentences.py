"""The sentences of the feedback app's audit actions, for the audit log page (registered
in `FeedbackConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import Sentence

SENTENCES: dict[str, Sentence] = {
    "feedback.rating.created": _("Ticket %(ticket)s rated %(score)s of 5 at counter %(counter)s"),
    "feedback.complaint.received": _("Complaint %(reference)s received"),
    "feedback.complaint.acknowledged": _("Complaint %(reference)s acknowledged"),
    "feedback.complaint.assigned": _("Complaint %(reference)s assigned to a complaint officer"),
    "feedback.complaint.action_started": _("Action started on complaint %(reference)s"),
    "feedback.complaint.waiting": _("Complaint %(reference)s waiting on the complainant"),
    "feedback.complaint.resumed": _("Complaint %(reference)s resumed"),
    "feedback.complaint.replied": _("Complaint %(reference)s replied to"),
    "feedback.complaint.resolved": _("Complaint %(reference)s resolved"),
    "feedback.complaint.closed": _("Complaint %(reference)s closed"),
    "feedback.complaint.noted": _("Note added to complaint %(reference)s"),
}

SENTENCES.update(
    {
        "feedback.satisfaction_form.filed": _("Customer satisfaction form %(serial)s filed"),
        "feedback.complaint.attached": _("%(files)s file(s) attached to complaint %(reference)s"),
        "feedback.box.opened": _("Suggestion box opened on %(date)s with %(slips)s slip(s)"),
        "feedback.box.slip_keyed": _("A slip of the box opened on %(date)s keyed in"),
        "feedback.remark.recorded": _("A suggestion or compliment recorded"),
        "feedback.remark.actioned": _("Action recorded on a suggestion or compliment"),
        "feedback.satisfaction_form.printed": _("Customer satisfaction form %(serial)s printed"),
        "feedback.report.exported": _("Feedback report %(report)s exported as %(format)s"),
    }
)
