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

# The perception survey: the public questionnaire, the supervisor's periods and report,
# the head of department's queue.
from weserve.feedback import survey_views  # noqa: E402

urlpatterns += [
    path("survey/<str:public_id>/", survey_views.public_form, name="feedback_survey_public"),
    path(
        "survey/<str:public_id>/thanks/", survey_views.public_thanks, name="feedback_survey_thanks"
    ),
    path(
        "feedback/<str:office_code>/survey/",
        survey_views.office_link,
        name="feedback_survey_office",
    ),
    path("feedback/surveys/", survey_views.survey_home, name="feedback_survey_home"),
    path(
        "feedback/<str:office_code>/surveys/",
        survey_views.period_list,
        name="feedback_survey_list",
    ),
    path(
        "feedback/<str:office_code>/surveys/new/",
        survey_views.period_create,
        name="feedback_survey_create",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/",
        survey_views.period_detail,
        name="feedback_survey_detail",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/paper/",
        survey_views.paper_entry,
        name="feedback_survey_paper",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/report/",
        survey_views.report_page,
        name="feedback_survey_report",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/report.pdf",
        survey_views.report_pdf,
        name="feedback_survey_report_pdf",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/report.xlsx",
        survey_views.report_xlsx,
        name="feedback_survey_report_xlsx",
    ),
    path(
        "feedback/<str:office_code>/surveys/<int:pk>/<str:action>/",
        survey_views.period_act,
        name="feedback_survey_act",
    ),
    path("feedback/survey-reports/", survey_views.report_inbox, name="feedback_survey_inbox"),
    path(
        "feedback/survey-reports/combined/",
        survey_views.combined_page,
        name="feedback_survey_combined",
    ),
    path(
        "feedback/survey-reports/combined.pdf",
        survey_views.combined_pdf,
        name="feedback_survey_combined_pdf",
    ),
    path(
        "feedback/survey-reports/combined.xlsx",
        survey_views.combined_xlsx,
        name="feedback_survey_combined_xlsx",
    ),
    path(
        "feedback/survey-reports/<int:pk>/",
        survey_views.report_file,
        name="feedback_survey_report_file",
    ),
    path(
        "feedback/survey-reports/<int:pk>/<str:action>/",
        survey_views.report_act,
        name="feedback_survey_report_act",
    ),
]
