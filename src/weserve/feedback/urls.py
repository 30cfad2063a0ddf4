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

# Complaints (BAP): the public form and its acknowledgement; the office's list and file.
from weserve.feedback import complaint_views  # noqa: E402

urlpatterns += [
    path(
        "feedback/<str:office_code>/complaint/",
        complaint_views.complaint_form,
        name="feedback_complaint_form",
    ),
    path(
        "feedback/<str:office_code>/complaint/received/",
        complaint_views.complaint_received,
        name="feedback_complaint_received",
    ),
    path(
        "feedback/<str:office_code>/complaints/",
        complaint_views.complaint_list,
        name="feedback_complaint_list",
    ),
    path(
        "feedback/<str:office_code>/complaints/new/",
        complaint_views.complaint_keyed,
        name="feedback_complaint_keyed",
    ),
    path(
        "feedback/<str:office_code>/complaints/<str:reference>/",
        complaint_views.complaint_detail,
        name="feedback_complaint_detail",
    ),
    path(
        "feedback/<str:office_code>/complaints/<str:reference>/<str:action>/",
        complaint_views.complaint_act,
        name="feedback_complaint_act",
    ),
]
