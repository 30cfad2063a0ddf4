from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "weserve.organisation"
    label = "organisation"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from weserve.organisation.nav import register_menu

        register_menu()

        from weserve.core.audit_text import register_sentences
        from weserve.organisation.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
