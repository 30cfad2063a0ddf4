from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "weserve.knowledge"
    label = "knowledge"
    verbose_name = _("Reference shelf")

    def ready(self) -> None:
        from weserve.core.audit_text import register_sentences
        from weserve.knowledge.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
        from weserve.knowledge.nav import register_menu

        register_menu()
