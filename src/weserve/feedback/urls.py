from django.urls import path

from weserve.feedback import views

urlpatterns = [
    path(
        "feedback/<str:office_code>/counter/<int:number>/",
        views.tablet,
        name="feedback_tablet",
    ),
    path(
        "feedback/<str:office_code>/counter/<int:number>/screen/",
        views.tablet_screen,
        name="feedback_tablet_screen",
    ),
    path(
        "feedback/<str:office_code>/counter/<int:number>/rate/",
        views.tablet_rate,
        name="feedback_tablet_rate",
    ),
    path("t/<str:public_id>/rate/", views.ticket_rating, name="feedback_ticket_rating"),
]
