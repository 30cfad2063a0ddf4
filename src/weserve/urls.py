"""Every URL of WeServe. Apps own their patterns; the API composes the apps' routers."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from weserve.api import api

admin.site.site_header = "WeServe"
admin.site.site_title = "WeServe"

urlpatterns = [
    # First: every API request (the kiosk's ticket issue among them) is resolved without
    # trying, and failing, each app's page patterns before it. A path under api/v1/ that
    # the API does not know falls through to the patterns below, as before.
    path("api/v1/", api.urls),
    path("", include("weserve.core.urls")),
    path("", include("weserve.organisation.urls")),
    path("", include("weserve.queueing.urls")),
    path("", include("weserve.register.urls")),
    path("", include("weserve.feedback.urls")),
    path("", include("weserve.knowledge.urls")),
    path("", include("weserve.telephony.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

# The database out of reach is a 503, on pages as on the API (weserve.core.unavailable).
handler500 = "weserve.core.unavailable.server_error"
