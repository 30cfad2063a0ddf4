from django.urls import path

from weserve.telephony import consumers

websocket_urlpatterns = [
    path("ws/offices/<str:office_code>/phone/", consumers.TelephonyConsumer.as_asgi()),
]
