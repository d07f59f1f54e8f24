"""A scripted widget: what rasa-webchat does over socket.io (long-polling transport: the
engine.io websocket client needs a newer aiohttp than Rasa pins)."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

import socketio


class WidgetClient:
    """What the widget does over socket.io, scripted."""

    def __init__(self, rasa_url: str, token: Optional[str]) -> None:
        self.url = rasa_url + (f"/?token={token}" if token else "")
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: List[Dict] = []
        self.session_id: Optional[str] = None
        self._confirmed = asyncio.Event()
        self.sio.on("bot_uttered", self.messages.append)
        self.sio.on("session_confirm", self._on_confirm)

    async def _on_confirm(self, session_id: str) -> None:
        self.session_id = session_id
        self._confirmed.set()

    async def start(self, session_id: Optional[str] = None) -> str:
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.sio.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self._confirmed.wait(), 10)
        return self.session_id

    async def say(self, text: str, wait_for: str, extra: Optional[Dict] = None) -> str:
        seen = len(self.messages)
        payload = {"message": text, "session_id": self.session_id, **(extra or {})}
        await self.sio.emit("user_uttered", payload)
        for _ in range(200):
            joined = "\n".join([m.get("text", "") for m in self.messages[seen:]]
                                + [r["title"] for m in self.messages[seen:] for r in m.get("quick_replies", [])])
            if wait_for in joined and len(self.messages) > seen:  # "" means: any answer
                return joined
            await asyncio.sleep(0.1)
        raise AssertionError(f"no reply containing {wait_for!r}; got {self.messages[seen:]}")

    async def stop(self) -> None:
        await self.sio.disconnect()


def run(coro):
    """Run a scenario on its own event loop, in a thread: Playwright's sync API may own this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
