from django.contrib.auth import views as auth_views
from django.urls import path

from weserve.core import account_views, audit_views, personal_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("office/switch/", views.switch_office, name="switch_office"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("personal/mykad/reveal/", personal_views.mykad_reveal, name="mykad_reveal"),
]
