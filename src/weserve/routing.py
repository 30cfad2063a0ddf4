"""WebSocket routes of every app; each app adds its own list here."""

from django.urls import URLPattern

from weserve.feedback.routing import websocket_urlpatterns as feedback_ws
from weserve.queueing.routing import websocket_urlpatterns as queueing_ws
from weserve.register.routing import websocket_urlpatterns as register_ws
from weserve.telephony.routing import websocket_urlpatterns as telephony_ws

websocket_urlpatterns: list[URLPattern] = [*queueing_ws, *register_ws, *feedback_ws, *telephony_ws]
