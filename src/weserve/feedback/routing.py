from django.urls import path

from weserve.feedback import consumers

websocket_urlpatterns = [
    path(
        "ws/feedback/<str:office_code>/counter/<int:number>/",
        consumers.TabletConsumer.as_asgi(),
    ),
    path("ws/survey-reports/", consumers.SurveyReportConsumer.as_asgi()),
]
