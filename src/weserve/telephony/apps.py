from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "weserve.telephony"
    label = "telephony"
    verbose_name = _("Telephone desk")

    def ready(self) -> None:
        from weserve.core.audit_text import register_sentences
        from weserve.telephony.audit_sentences import SENTENCES

        register_sentences(SENTENCES)
        from weserve.telephony.nav import register_menu

        register_menu()
        from weserve.core.presence import register_presence_listener
        from weserve.telephony.services import presence_event

        register_presence_listener(presence_event)
