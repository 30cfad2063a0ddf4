from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "weserve.register"
    label = "register"
    verbose_name = _("Customer register")

    def ready(self) -> None:
        from weserve.queueing.completion import CompletionCheck, register_completion_check
        from weserve.queueing.panels import (
            LiveSection,
            TicketPanel,
            register_live_section,
            register_ticket_panel,
        )
        from weserve.register.access import RECORD_ROLES
        from weserve.register.completion import missing_register_entry
        from weserve.register.nav import register_menu

        register_ticket_panel(
            TicketPanel(name="register", url_name="register_ticket_entry", roles=RECORD_ROLES)
        )
        register_completion_check(CompletionCheck(name="register", check=missing_register_entry))
        register_menu()
        from weserve.register.referral_views import live_overdue_context

        register_live_section(
            LiveSection(
                name="overdue_referrals",
                template="register/live_overdue.html",
                context=live_overdue_context,
            )
        )

        from weserve.core.audit_text import register_sentences
        from weserve.register.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
