"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")

from weserve.core.admission import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from weserve.core.live import AttachLoopMiddleware  # noqa: E402
from weserve.core.ws import WebSocketAuthMiddleware  # noqa: E402
from weserve.routing import websocket_urlpatterns  # noqa: E402

application = AttachLoopMiddleware(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": WebSocketAuthMiddleware(URLRouter(websocket_urlpatterns)),
        }
    )
)

# What start-up made (Django, the apps, the URL conf: several hundred thousand objects)
# lives as long as the server process. Kept out of the collector's reach, it is no longer
# walked by every full collection, which under load came every two or three seconds and
# stopped the whole worker for 0.16 s on average, up to 0.33 s (session 6: gc.callbacks
# timing every collection of two workers under 50 clients for about 60 s).
gc.collect()
gc.freeze()
