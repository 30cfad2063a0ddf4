from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "weserve.feedback"
    label = "feedback"
    verbose_name = _("Customer feedback")

    def ready(self) -> None:
        from weserve.core.audit_text import register_sentences
        from weserve.feedback.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
        from weserve.feedback.survey_audit_sentences import SENTENCES as SURVEY_SENTENCES
        from weserve.feedback.survey_nav import register_survey_menu

        register_sentences(SURVEY_SENTENCES)
        register_survey_menu()
        from weserve.queueing.panels import TicketLink, register_ticket_link

        # The mobile ticket page (behind the slip's QR code) offers the rating when the
        # visit is complete, and the slip says so.
        register_ticket_link(
            TicketLink(
                name="rate",
                url_name="feedback_ticket_rating",
                label=_("Rate our service"),
                slip_hint=_("After your visit, scan it again to rate our service."),
            )
        )
        from weserve.core.navigation import NavItem, register
        from weserve.feedback.report_access import READER_ROLES

        # The office's feedback hub: the two reports, the filed forms, the box, remarks.
        register(
            NavItem(
                label=_("Customer feedback"),
                url_name="feedback_hub_home",
                roles=READER_ROLES,
                order=55,
            )
        )
