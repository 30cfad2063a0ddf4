from django.urls import path

from weserve.queueing import views

urlpatterns = [
    path("t/<str:public_id>/", views.ticket_status, name="ticket_status"),
]
