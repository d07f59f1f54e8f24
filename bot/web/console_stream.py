"""The console's live view: one server-sent-events stream per open console page.

Every `PERIOD` the stream compares what the page shows with the database (the queue, and for a
conversation page that conversation's version, linked ticket and typing mark) and sends only
what changed: `queue`, `conversation` (the whole page's data, transcript included) or `typing`.
The check is a few indexed queries; the transcript is read from Rasa only when the
conversation's version moved (a customer message, an agent reply, a claim, a note...). A
stream lives at most `LIFETIME` and then ends; the browser's EventSource reconnects by itself,
and the login is checked again on every reconnect and every `LOGIN_RECHECK`."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.security.login_sessions import LoginKind
from bot.web.console_api import conversation_detail, queue_payload
from bot.web.rasa_client import RasaClient
from bot.web.staff_auth import StaffAuth, json_error
from bot.wiring import Services

PERIOD = 1.0  # seconds between checks
LIFETIME = 300.0  # seconds before the stream ends and the browser reconnects
LOGIN_RECHECK = 5.0  # seconds between checks that the staff login still holds (and the person is not disabled)
HEARTBEAT = 15.0  # seconds of silence before a comment line keeps proxies from closing the stream
TYPING_SHOWN = timedelta(seconds=6)  # how long one typing signal keeps 「客户正在输入…」 on screen
QUEUE_CHANGES = ("waiting_seconds",)  # fields that change by themselves: the page counts them up

logger = logging.getLogger(__name__)


def sse(event: str, data: Any) -> str:
    """One server-sent event (JSON data on one line)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def queue_fingerprint(payload: Dict[str, Any]) -> str:
    """The queue without the counters the page advances itself."""
    rows = [{k: v for k, v in row.items() if k not in QUEUE_CHANGES} for row in payload["handoffs"]]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True)


def typing_now(typing_at: Optional[datetime], now: datetime) -> bool:
    return typing_at is not None and now - typing_at < TYPING_SHOWN


class PageWatch:
    """What one console page shows, and what has changed since it was sent."""

    def __init__(self, services: Services, rasa: RasaClient, staff: Staff, handoff_id: Optional[int]) -> None:
        self.services, self.rasa, self.staff, self.handoff_id = services, rasa, staff, handoff_id
        self.queue: Optional[str] = None
        self.conversation: Optional[Tuple[Any, ...]] = None
        self.typing: Optional[bool] = None

    async def changes(self) -> List[str]:
        """The events that bring the page up to date (none when nothing changed)."""
        events: List[str] = []
        # The conversation first: sending it marks its messages read, so the queue sent after
        # it never shows the open conversation as unread.
        if self.handoff_id is not None:
            events.extend(await self._conversation_changes(self.handoff_id))
        payload = queue_payload(self.services, self.staff)
        fingerprint = queue_fingerprint(payload)
        if fingerprint != self.queue:
            self.queue = fingerprint
            events.append(sse("queue", payload))
        return events

    async def _conversation_changes(self, handoff_id: int) -> List[str]:
        handoffs = self.services.handoffs
        watched = handoffs.watch(handoff_id)
        if watched is None:
            return []
        version, ticket_id, typing_at = watched
        events: List[str] = []
        # Colleagues logging in or out change whom the conversation can be transferred to.
        state = (version, self._ticket_state(ticket_id), tuple(handoffs.online_agent_ids()))
        handoff = handoffs.get(handoff_id) if state != self.conversation else None
        if handoff is not None:
            self.conversation = state
            events.append(sse("conversation", await conversation_detail(self.services, self.rasa, self.staff, handoff)))
        typing = typing_now(typing_at, handoffs.clock())
        if typing != self.typing:
            self.typing = typing
            events.append(sse("typing", {"typing": typing}))
        return events

    def _ticket_state(self, ticket_id: Optional[str]) -> Tuple[Any, ...]:
        """A reviewer acting on the linked ticket elsewhere changes the page too."""
        ticket = self.services.workflow.get(ticket_id) if ticket_id else None
        return (ticket.ticket_id, ticket.status, ticket.updated_at) if ticket else ()


def add_stream_route(console: Blueprint, auth: StaffAuth, services: Services, rasa: RasaClient) -> None:
    @console.get("/api/stream")
    @auth.required(conversations=True)
    async def stream(request: Request, staff: Staff) -> Optional[response.HTTPResponse]:
        """The queue (and, with ?handoff=<id>, that conversation) as server-sent events."""
        raw = request.args.get("handoff")
        if raw is not None and not (raw.isdigit() and len(raw) <= 12):
            return json_error(422, labels.NO_SUCH_CONVERSATION)
        login = auth.current_login(request)
        watch = PageWatch(services, rasa, staff, int(raw) if raw is not None else None)
        out = await request.respond(content_type="text/event-stream; charset=utf-8",
                                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        await out.send("retry: 2000\n\n")
        started = checked = sent = time.monotonic()
        # A browser that goes away cancels this handler (Sanic cancels the request's task).
        while time.monotonic() - started < LIFETIME:
            try:
                events = await watch.changes()
            except Exception:  # the database or Rasa failing ends this stream; the browser reconnects
                logger.exception("console stream failed")
                break
            now = time.monotonic()
            if not events and now - sent >= HEARTBEAT:
                events.append(": keep-alive\n\n")
            if events:
                await out.send("".join(events))
                sent = now
            if now - checked >= LOGIN_RECHECK:
                checked = now
                if (login is None or not services.logins.is_live(login.session_id, LoginKind.STAFF, login.subject)
                        or services.staff.get(login.subject) is None):
                    await out.send(sse("expired", {"message": labels.PLEASE_LOG_IN}))
                    break
            await asyncio.sleep(PERIOD)
        await out.eof()
        return None
