from django.urls import path

from weserve.register import views

urlpatterns = [
    path(
        "register/tickets/<str:public_id>/",
        views.ticket_entry,
        name="register_ticket_entry",
    ),
]
