from django.urls import path

from weserve.queueing import console_views, display_views, kiosk_views, live_views, views

urlpatterns = [
    path("t/<str:public_id>/", views.ticket_status, name="ticket_status"),
    # The ticket kiosk: services, priority, slip.
    path("kiosk/<str:office_code>/", kiosk_views.kiosk, name="kiosk"),
    path(
        "kiosk/<str:office_code>/services/<str:service_code>/",
        kiosk_views.kiosk_priority,
        name="kiosk_priority",
    ),
    path("kiosk/<str:office_code>/tickets/", kiosk_views.kiosk_issue, name="kiosk_issue"),
    # The counter console and the supervisor's live view.
    path("counter/", console_views.console, name="counter_console"),
    path("counter/open/", console_views.open_counter, name="counter_open"),
    path("counter/live/", live_views.live, name="counter_live"),
    path(
        "counter/live/<int:counter_id>/close/",
        live_views.close_counter,
        name="counter_live_close",
    ),
    path("counter/<int:counter_id>/", console_views.console_for, name="counter_console_for"),
    path("counter/<int:counter_id>/call-next/", console_views.call_next, name="counter_call_next"),
    path("counter/<int:counter_id>/pause/", console_views.pause, name="counter_pause"),
    path("counter/<int:counter_id>/resume/", console_views.resume, name="counter_resume"),
    path("counter/<int:counter_id>/close/", console_views.close, name="counter_close"),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/recall/",
        console_views.recall,
        name="counter_recall",
    ),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/start/",
        console_views.start,
        name="counter_start",
    ),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/no-show/",
        console_views.no_show,
        name="counter_no_show",
    ),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/reinstate/",
        console_views.reinstate,
        name="counter_reinstate",
    ),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/transfer/",
        console_views.transfer,
        name="counter_transfer",
    ),
    path(
        "counter/<int:counter_id>/tickets/<str:public_id>/complete/",
        console_views.complete,
        name="counter_complete",
    ),
    # The display board for the office TV, and its charter and announcements.
    path("display/", display_views.display_home, name="display_home"),
    path("display/notices/", display_views.notices_home, name="display_notices_home"),
    path("display/<str:office_code>/", display_views.display_board, name="display_board"),
    path(
        "display/<str:office_code>/notices.json",
        display_views.display_notices_json,
        name="display_notices_json",
    ),
    path(
        "display/<str:office_code>/notices/",
        display_views.display_notices,
        name="display_notices",
    ),
    path(
        "display/<str:office_code>/notices/announcements/",
        display_views.announcement_create,
        name="display_announcement_create",
    ),
    path(
        "display/<str:office_code>/notices/announcements/<int:pk>/",
        display_views.announcement_edit,
        name="display_announcement_edit",
    ),
    path(
        "display/<str:office_code>/notices/announcements/<int:pk>/delete/",
        display_views.announcement_delete,
        name="display_announcement_delete",
    ),
]
