from django.urls import path

from weserve.queueing import consumers

websocket_urlpatterns = [
    path("ws/offices/<str:office_code>/display/", consumers.DisplayConsumer.as_asgi()),
    path("ws/offices/<str:office_code>/counters/", consumers.CountersConsumer.as_asgi()),
    path("ws/tickets/<str:public_id>/", consumers.TicketConsumer.as_asgi()),
]
