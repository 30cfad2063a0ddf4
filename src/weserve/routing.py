"""WebSocket routes of every app; each app adds its own list here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
