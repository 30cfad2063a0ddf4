from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "weserve.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from weserve.core import checks  # noqa: F401 - registers system checks
        from weserve.core.roles import sync_role_groups

        # Groups and permissions are configuration, kept in step with the code after
        # every migrate; no business logic hangs on this signal.
        post_migrate.connect(sync_role_groups, dispatch_uid="weserve.sync_role_groups")

        from weserve.core.navigation import NavItem, register
        from weserve.core.roles import AUDIT_ROLES

        register(
            NavItem(
                label=_("Audit log"),
                url_name="audit_log",
                roles=tuple(sorted(AUDIT_ROLES)),
                order=900,
            )
        )

        from weserve.core.audit_sentences import SENTENCES
        from weserve.core.audit_text import register_sentences

        register_sentences(SENTENCES)
