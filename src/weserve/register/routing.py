from django.urls import path

from weserve.register import consumers

websocket_urlpatterns = [
    path("ws/offices/<str:office_code>/referrals/", consumers.ReferralConsumer.as_asgi()),
]
