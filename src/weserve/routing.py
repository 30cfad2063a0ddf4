"""WebSocket routes of every app; each app adds its own list here."""

from django.urls import URLPattern

from weserve.queueing.routing import websocket_urlpatterns as queueing_ws

websocket_urlpatterns: list[URLPattern] = [*queueing_ws]
