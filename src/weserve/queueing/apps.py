from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "weserve.queueing"
    label = "queueing"
    verbose_name = _("Queue management")

    def ready(self) -> None:
        from weserve.core.presence import register_presence_source
        from weserve.queueing.nav import register_menu
        from weserve.queueing.selectors import counter_presence

        register_menu()
        register_presence_source(counter_presence)

        from weserve.core.audit_text import register_sentences
        from weserve.queueing.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
