"""The person's own account pages: changing one's password ends one's other access."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from weserve.core.accounts import acting
from weserve.core.net import client_ip


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page; a new password also revokes the person's API tokens and closes
    their open sockets (weserve.core.accounts; this browser's session is kept, as Django
    keeps it)."""

    def form_valid(self, form: Any) -> HttpResponse:
        with acting(form.user, client_ip(self.request)):
            return super().form_valid(form)
