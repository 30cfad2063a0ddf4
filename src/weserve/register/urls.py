from django.urls import path

from weserve.register import book_views, referral_views, views

urlpatterns = [
    path(
        "register/tickets/<str:public_id>/",
        views.ticket_entry,
        name="register_ticket_entry",
    ),
    path("register/walk-in/", views.walk_in, name="register_walk_in"),
    path("register/returning/", views.returning_customer, name="register_returning"),
    path("register/entries/<int:entry_id>/", views.entry_detail, name="register_entry"),
    path(
        "register/entries/<int:entry_id>/referrals/",
        referral_views.entry_referrals_view,
        name="entry_referrals",
    ),
    path(
        "register/entries/<int:entry_id>/officers/",
        referral_views.officers_view,
        name="referral_officers",
    ),
    # The register for the people who read it: search, exports, the printed day.
    path("register/", book_views.register_home, name="register_home"),
    path(
        "register/offices/<str:office_code>/",
        book_views.register_search,
        name="register_search",
    ),
    path(
        "register/offices/<str:office_code>/export.csv",
        book_views.export_csv,
        name="register_export_csv",
    ),
    path(
        "register/offices/<str:office_code>/export.xlsx",
        book_views.export_xlsx,
        name="register_export_xlsx",
    ),
    path(
        "register/offices/<str:office_code>/print/",
        book_views.print_day,
        name="register_print_day",
    ),
    path("referrals/", referral_views.inbox_view, name="referral_inbox"),
    path("referrals/badge/", referral_views.badge_view, name="referral_badge"),
    path("referrals/overdue/", referral_views.live_overdue_view, name="live_overdue_referrals"),
    path(
        "referrals/<int:referral_id>/accept/",
        referral_views.accept_view,
        name="referral_accept",
    ),
    path(
        "referrals/<int:referral_id>/close/",
        referral_views.close_view,
        name="referral_close",
    ),
]
