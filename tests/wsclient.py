"""A WebSocket test client over the real ASGI application (asgiref's communicator).

Channels' own WebsocketCommunicator module imports daphne, which WeServe does not use.
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class WebSocket(ApplicationCommunicator):
    def __init__(self, app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None):
        super().__init__(
            app,
            {
                "type": "websocket",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "headers": headers or [],
                "subprotocols": [],
                "client": ("127.0.0.1", 50000),
                "server": ("testserver", 80),
            },
        )

    async def connect(self, timeout: float = 3) -> bool:
        await self.send_input({"type": "websocket.connect"})
        message = await self.receive_output(timeout)
        return message["type"] == "websocket.accept"

    async def receive_json_from(self, timeout: float = 3) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)
