"""A minimal socket.io client over a raw websocket (engine.io protocol 4).

Faster than the polling client, and able to send frames no well-behaved client would: the
bad-input campaign and the load test use it. Protocol: the server opens with `0{...}`, the
client joins the default namespace with `40`, events travel as `42[name, data]`, and the
server's ping `2` must be answered with `3`."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import websockets


class SocketClosed(Exception):
    """The server closed the connection."""


class RawSocket:
    def __init__(self, base_url: str, token: Optional[str] = None) -> None:
        ws_url = base_url.replace("http://", "ws://").replace("https://", "wss://")
        self.url = f"{ws_url}/socket.io/?EIO=4&transport=websocket" + (f"&token={quote(token)}" if token else "")
        self.ws: Any = None
        self.session_id: Optional[str] = None
        self.bot_messages: List[Dict[str, Any]] = []
        self.arrivals: List[float] = []
        self.first_arrival = 0.0  # perf_counter() of the first message of the last answer
        self._arrived = asyncio.Event()
        self._reader: Optional[asyncio.Task] = None
        self.closed = False

    async def connect(self, session_id: Optional[str] = None, timeout: float = 15) -> str:
        self.ws = await websockets.connect(self.url, max_size=2 ** 24, open_timeout=timeout, ping_interval=None,
                                           close_timeout=1)
        opening = await asyncio.wait_for(self.ws.recv(), timeout)
        if not opening.startswith("0"):
            raise ConnectionError(f"unexpected engine.io opening: {opening[:80]}")
        await self.ws.send("40")
        self._reader = asyncio.create_task(self._read())
        await self.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self._confirmed(), timeout)
        return self.session_id

    async def _confirmed(self) -> None:
        while self.session_id is None:
            if self.closed:
                raise SocketClosed("closed before the session was confirmed")
            await self._wait()

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame == "2":
                    await self.ws.send("3")
                elif isinstance(frame, str) and frame.startswith("42"):
                    name, *args = json.loads(frame[2:])
                    if name == "session_confirm":
                        self.session_id = args[0]
                    elif name == "bot_uttered":
                        self.bot_messages.append(args[0])
                        self.arrivals.append(time.perf_counter())
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = True
            self._arrived.set()

    async def _wait(self) -> None:
        self._arrived.clear()
        await self._arrived.wait()

    async def emit(self, event: str, data: Any) -> None:
        await self.send_raw("42" + json.dumps([event, data], ensure_ascii=False))

    async def send_raw(self, frame: Any) -> None:
        """Send any frame, well-formed or not."""
        try:
            await self.ws.send(frame)
        except websockets.ConnectionClosed as exc:
            self.closed = True
            raise SocketClosed(str(exc)) from exc

    async def say(self, text: Any, timeout: float = 30, until: Optional[str] = None) -> List[Dict[str, Any]]:
        """Send a chat message and return the bot messages of the answer: up to the one that
        contains `until`, or else the first one plus any that follow within a short pause.
        Raises TimeoutError if that does not come back in time."""
        seen = len(self.bot_messages)
        await self.emit("user_uttered", {"message": text})
        deadline = asyncio.get_running_loop().time() + timeout

        def waiting() -> bool:
            if until is None:
                return len(self.bot_messages) == seen
            return not any(until in (m.get("text") or "") for m in self.bot_messages[seen:])

        while waiting():
            if self.closed:
                raise SocketClosed("closed while waiting for an answer")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no answer to {str(text)[:40]!r}")
            try:
                await asyncio.wait_for(self._wait(), remaining)
            except asyncio.TimeoutError:
                pass
        self.first_arrival = self.arrivals[seen]
        await self.settle()
        return self.bot_messages[seen:]

    async def settle(self, quiet: float = 0.05) -> None:
        """Wait until no bot message has arrived for `quiet` seconds."""
        while True:
            count = len(self.bot_messages)
            await asyncio.sleep(quiet)
            if len(self.bot_messages) == count:
                return

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
