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

        # What ends a person's access ends their tokens and sockets on every path that
        # changes the user row, Django's own included (weserve.core.accounts says why).
        from django.contrib.auth import get_user_model, user_logged_out
        from django.db.models.signals import post_save, pre_save

        from weserve.core import accounts

        user_model = get_user_model()
        pre_save.connect(
            accounts.user_saving, sender=user_model, dispatch_uid="weserve.user_saving"
        )
        post_save.connect(accounts.user_saved, sender=user_model, dispatch_uid="weserve.user_saved")
        user_logged_out.connect(accounts.signed_out, dispatch_uid="weserve.signed_out")

        from weserve.core.audit_sentences import SENTENCES
        from weserve.core.audit_text import register_sentences

        register_sentences(SENTENCES)
