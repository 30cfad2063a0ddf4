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

# Complaint attachments, satisfaction forms, the suggestion box, remarks and the reports.
from weserve.feedback import (  # noqa: E402
    attachment_views,
    box_views,
    report_views,
    satisfaction_views,
)

urlpatterns = [
    path(
        "feedback/<str:office_code>/complaints/<str:reference>/files/<int:pk>/",
        attachment_views.attachment_file,
        name="feedback_complaint_attachment",
    ),
    path(
        "feedback/<str:office_code>/complaints/<str:reference>/files/",
        attachment_views.attachment_add,
        name="feedback_complaint_attach",
    ),
    *urlpatterns,
    path("feedback/reports/", report_views.hub_home, name="feedback_hub_home"),
    path("feedback/<str:office_code>/reports/", report_views.hub, name="feedback_hub"),
    path(
        "feedback/<str:office_code>/reports/satisfaction/",
        report_views.satisfaction_report,
        name="feedback_satisfaction_report",
    ),
    path(
        "feedback/<str:office_code>/reports/satisfaction/pdf/",
        report_views.satisfaction_report,
        {"fmt": "pdf"},
        name="feedback_satisfaction_report_pdf",
    ),
    path(
        "feedback/<str:office_code>/reports/satisfaction/xlsx/",
        report_views.satisfaction_report,
        {"fmt": "xlsx"},
        name="feedback_satisfaction_report_xlsx",
    ),
    path(
        "feedback/<str:office_code>/reports/feedback/",
        report_views.feedback_report,
        name="feedback_feedback_report",
    ),
    path(
        "feedback/<str:office_code>/reports/feedback/pdf/",
        report_views.feedback_report,
        {"fmt": "pdf"},
        name="feedback_feedback_report_pdf",
    ),
    path(
        "feedback/<str:office_code>/reports/feedback/xlsx/",
        report_views.feedback_report,
        {"fmt": "xlsx"},
        name="feedback_feedback_report_xlsx",
    ),
    path(
        "feedback/<str:office_code>/counter/<int:number>/form/",
        satisfaction_views.tablet_form,
        name="feedback_tablet_form",
    ),
    path("feedback/<str:office_code>/forms/", satisfaction_views.form_list, name="feedback_forms"),
    path(
        "feedback/<str:office_code>/forms/new/",
        satisfaction_views.form_new,
        name="feedback_form_new",
    ),
    path(
        "feedback/<str:office_code>/forms/<int:pk>/",
        satisfaction_views.form_detail,
        name="feedback_form_detail",
    ),
    path(
        "feedback/<str:office_code>/forms/<int:pk>/pdf/",
        satisfaction_views.form_pdf,
        name="feedback_form_pdf",
    ),
    path("feedback/<str:office_code>/box/", box_views.box_list, name="feedback_box"),
    path(
        "feedback/<str:office_code>/box/<int:pk>/",
        box_views.box_opening,
        name="feedback_box_opening",
    ),
    path("feedback/<str:office_code>/remarks/", box_views.remark_list, name="feedback_remarks"),
    path(
        "feedback/<str:office_code>/remarks/<int:pk>/action/",
        box_views.remark_action,
        name="feedback_remark_action",
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
        "feedback/survey-reports/badge/",
        survey_views.report_badge,
        name="feedback_survey_badge",
    ),
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
