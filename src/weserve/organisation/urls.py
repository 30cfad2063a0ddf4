from django.urls import path

from weserve.organisation import device_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("devices/", device_views.device_list, name="device_list"),
    path("devices/new/", device_views.device_create, name="device_create"),
    path(
        "devices/<int:pk>/pairing-code/",
        device_views.device_pairing_code,
        name="device_pairing_code",
    ),
    path("devices/<int:pk>/revoke/", device_views.device_revoke, name="device_revoke"),
    path("pair/", device_views.pair, name="pair"),
    path("pair/done/", device_views.paired, name="device_paired"),
]
