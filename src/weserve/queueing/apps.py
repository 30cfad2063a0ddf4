from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The views that issue tickets, by URL name.
ISSUE_VIEWS = ("kiosk_issue", "api:issue_ticket")


class QueueingConfig(AppConfig):
    name = "weserve.queueing"
    label = "queueing"
    verbose_name = _("Queue management")

    def ready(self) -> None:
        from weserve.core.idempotency import commits_apart
        from weserve.core.presence import register_presence_source
        from weserve.queueing.nav import register_menu
        from weserve.queueing.selectors import counter_presence

        register_menu()
        register_presence_source(counter_presence)
        # A ticket issue commits on its own (on PostgreSQL, on the issue statement's own
        # connection), under a public id its Idempotency-Key fixes (decision 32).
        commits_apart(*ISSUE_VIEWS)

        from weserve.core.audit_text import register_sentences
        from weserve.queueing.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
