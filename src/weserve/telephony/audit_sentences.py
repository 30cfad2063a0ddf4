"""The sentences of the telephone desk's audit actions, for the audit log page
(registered in `TelephonyConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import Sentence

SENTENCES: dict[str, Sentence] = {
    "telephony.call.ringing": _("Call %(call_id)s started ringing"),
    "telephony.call.answered": _("Call %(call_id)s answered after %(wait_seconds)s seconds"),
    "telephony.call.noted": _("Call %(call_id)s: caller's details and notes recorded"),
    "telephony.call.transferred": _(
        "Call %(call_id)s transferred to %(officer)s, extension %(extension)s"
    ),
    "telephony.call.held": _("Call %(call_id)s put on hold"),
    "telephony.call.hold_update": _(
        "Caller on hold told how call %(call_id)s stands (held %(held_seconds)s seconds)"
    ),
    "telephony.call.officer_answered": _("Call %(call_id)s answered by the officer"),
    "telephony.call.transfer_returned": _(
        "Call %(call_id)s came back to the operator: %(officer)s did not answer"
    ),
    "telephony.call.ended": _("Call %(call_id)s ended (%(outcome)s)"),
    "telephony.report.exported": _(
        "Telephone service level from %(from)s to %(to)s printed (%(format)s)"
    ),
    "telephony.calls.exported": _("Call log from %(from)s to %(to)s exported (%(format)s)"),
    # Entries written before presence moved to the staff directory (organisation).
    "telephony.presence.set": _("Presence set to %(presence)s"),
    "telephony.message.taken": _("Message taken for %(officer)s (%(urgency)s)"),
    "telephony.message.called_back": _("Call-back recorded (%(outcome)s)"),
    "telephony.message.escalated": _("Call-back due %(due)s not done: escalated to the supervisor"),
    "telephony.queue_log.imported": _(
        "Asterisk queue log imported: %(lines)s lines, %(added)s calls added, %(updated)s updated, "
        "%(skipped)s lines skipped"
    ),
}
