from django.urls import path

from weserve.telephony import report_views, views

urlpatterns = [
    path("phone/", views.console, name="telephony_console"),
    path("phone/calls/", views.calls, name="telephony_calls"),
    path("phone/calls/log/", views.log_call, name="telephony_log_call"),
    path("phone/calls/<int:pk>/", views.call_panel, name="telephony_call"),
    path("phone/calls/<int:pk>/answer/", views.answer, name="telephony_answer"),
    path("phone/calls/<int:pk>/details/", views.details, name="telephony_details"),
    path("phone/calls/<int:pk>/transfer/", views.transfer, name="telephony_transfer"),
    path("phone/calls/<int:pk>/hold/", views.hold, name="telephony_hold"),
    path("phone/calls/<int:pk>/hold-update/", views.hold_update, name="telephony_hold_update"),
    path("phone/calls/<int:pk>/connected/", views.connected, name="telephony_connected"),
    path("phone/calls/<int:pk>/end/", views.end, name="telephony_end"),
    path("phone/calls/<int:pk>/message/", views.take_message, name="telephony_message"),
    path("phone/directory/", views.directory, name="telephony_directory"),
    path("phone/report/", report_views.report, name="telephony_report"),
    path("phone/log/", report_views.call_log, name="telephony_log"),
    path("phone/staffing/", report_views.staffing, name="telephony_staffing"),
    path("messages/", views.inbox, name="telephony_inbox"),
    path("messages/presence/", views.presence, name="telephony_presence"),
    path("messages/badge/", views.inbox_badge, name="telephony_badge"),
    path("messages/<int:pk>/call-back/", views.call_back, name="telephony_call_back"),
]
