from django.urls import path

from weserve.register import referral_views, views

urlpatterns = [
    path(
        "register/tickets/<str:public_id>/",
        views.ticket_entry,
        name="register_ticket_entry",
    ),
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
    path("referrals/", referral_views.inbox_view, name="referral_inbox"),
    path("referrals/badge/", referral_views.badge_view, name="referral_badge"),
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
