"""WebSocket routes of every app; each app adds its own list here."""

from django.urls import URLPattern

from weserve.queueing.routing import websocket_urlpatterns as queueing_ws
from weserve.register.routing import websocket_urlpatterns as register_ws

websocket_urlpatterns: list[URLPattern] = [*queueing_ws, *register_ws]
