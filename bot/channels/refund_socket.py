"""The website's chat channel: socket.io with verified identity.

The stock socket.io channel trusts whatever the browser sends: any client may claim any
session id and any `customData`. This channel instead
* verifies the short-lived chat token the website signs (`?token=` in the socket URL);
  a missing or forged token makes the client a guest; an expired one, or one whose login
  ended, is refused with that reason (`{"state": "expired" | "ended"}`), so the widget can
  fetch a fresh token from the site or say why the customer is a guest now;
* binds each conversation id to its owner: a client may resume only its own conversation,
  any other requested id gets a fresh one;
* takes the conversation id from the server-side socket session, never from the message;
* puts a signed identity claim (bot.security.identity) bound to the conversation on every
  message, which is all the actions believe, and ignores the client's customData;
* awaits `enter_room` (a coroutine in python-socketio >= 5.10, not awaited by Rasa 3.6);
* with several Rasa instances (REFUND_REDIS_URL set) shares socket.io rooms through Redis,
  so a message pushed through any instance (an agent's reply, an upload confirmation)
  reaches the widget on whichever instance holds its socket.

Besides the socket it serves, under /webhooks/refund_socket/: `health` (liveness),
`ready` (model loaded, conversation store reachable), `metrics` (Prometheus) and
`agent_typing` (POST with the Rasa token: the console's agent is typing; the widget shows it).
"""
from __future__ import annotations

import hmac
import inspect
import logging
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncRedisManager, AsyncServer
from socketio import exceptions as socketio_errors

from bot.channels import rasa_patches
from bot.channels.markdown import safe_markdown
from bot.channels.replies import (
    EMPTY,
    MALFORMED,
    MAX_MESSAGE_CHARS,
    NO_SESSION,
    SESSION_ENDED,
    TEMPORARY_FAILURE,
    TOO_FAST,
    TOO_LONG,
    TOO_MANY_CONVERSATIONS,
)
from bot.channels.sessions import SessionRegistry, session_registry
from bot.handoff import replies as handoff_replies
from bot.nlu.normalize import normalize_text
from bot.observability import metrics
from bot.observability.logs import configure_json_logging, current_conversation
from bot.security.identity import sign_identity
from bot.security.login_sessions import LoginKind
from bot.security.ratelimit import rate_limiter
from bot.security.tokens import TokenError, TokenExpired, verify_chat_token
from bot.settings import client_address, load_settings
from bot.vocabulary import ChatLoginState as LoginState
from bot.wiring import services

logger = logging.getLogger(__name__)
rasa_patches.install()  # our changes to Rasa 3.6.21 (bot/channels/rasa_patches.py)
LOGIN_CHECK_SECONDS = 5.0  # how stale the channel's knowledge of a logout may be
PING_INTERVAL = PING_TIMEOUT = 10  # seconds
# A widget opens one conversation per page and resumes it on reconnecting; more than a few from
# one socket is a script (12,714 conversations from one anonymous socket in two minutes).
CONVERSATIONS_PER_SOCKET = 5
# Only its own socket can resume a guest's conversation: its binding need not outlive a day.
GUEST_BINDING_SECONDS = 24 * 3600
AGENT_TYPING_EVENT = "agent_typing"  # socket event the widget (static/chat.js) shows as 「客服正在输入…」
LOGIN_STATE_EVENT = "login_state"  # socket event: who the channel takes the widget for (static/chat.js)



class WidgetOutput(SocketIOOutput):
    """socket.io output whose single line breaks survive the widget's Markdown rendering.
    It counts what it sends, so the channel can tell when a turn produced no answer."""

    sent = 0

    @classmethod
    def name(cls) -> Text:
        return "refund_socket"

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, _hard_breaks(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, _hard_breaks(text), buttons, **kwargs)


def _hard_breaks(text: Text) -> Text:
    """Markdown joins single newlines into one line; two trailing spaces keep the break.
    Blank lines still separate messages (SocketIOOutput splits on them). Links and images
    are made safe first (bot.channels.markdown)."""
    return "\n\n".join(part.replace("\n", "  \n") for part in safe_markdown(text).split("\n\n"))


class RefundSocketInput(InputChannel):
    """socket.io channel for the website widget, with verified identity."""

    @classmethod
    def name(cls) -> Text:
        return "refund_socket"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        # Rasa installs its coloured text logging after reading any logging config file; once
        # it loads this channel, the process switches to the JSON lines every service writes.
        configure_json_logging()
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 socketio_path: Text = "/socket.io", registry: Optional[SessionRegistry] = None) -> None:
        settings = load_settings()
        self.secret = settings.jwt_secret
        self.rasa_token = settings.rasa_token  # what the website shows to tell the widget an agent is typing
        self.trusted_proxies = settings.trusted_proxies
        self.allowed_origins: List[str] = [settings.site_url]
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.registry = registry or session_registry(settings.redis_url)
        self.redis_url, self.socketio_channel = settings.redis_url, settings.socketio_channel
        self.sio: Optional[AsyncServer] = None
        # (login id, customer) -> (when checked, live): keyed by everything the answer depends on.
        self._login_checks: Dict[Tuple[str, str], Tuple[float, bool]] = {}
        self.message_limit = rate_limiter("message", settings.messages_per_minute, 60, settings.redis_url)
        self.conversation_limit = rate_limiter("conversation", settings.conversations_per_10_minutes, 600,
                                               settings.redis_url)

    def _login_live(self, login_id: Optional[str], customer_id: str) -> bool:
        """Whether the website still holds this login, asked at most every LOGIN_CHECK_SECONDS."""
        if not login_id:
            return False
        now, key = time.monotonic(), (login_id, customer_id)
        cached = self._login_checks.get(key)
        if cached is not None and now - cached[0] < LOGIN_CHECK_SECONDS:
            return cached[1]
        try:
            live = services().logins.is_live(login_id, LoginKind.CUSTOMER, customer_id)
        except Exception:  # the database being down must not turn customers into guests mid-form
            logger.exception("could not check the login")
            return cached[1] if cached else True
        if len(self._login_checks) > 100_000:
            self._login_checks.clear()
        self._login_checks[key] = (now, live)
        return live

    def _may_start_conversation(self, session: Dict) -> bool:
        """Whether this socket may open one more conversation: a few per socket, and a limit
        per customer or guest address (each keeps a binding, and a guest's a tracker)."""
        if session.get("started", 0) >= CONVERSATIONS_PER_SOCKET:
            return False
        user_id = session.get("user_id")
        return self.conversation_limit.allow(f"user:{user_id}" if user_id else f"ip:{session.get('ip')}")

    @staticmethod
    def _handoff_status(session_id: str, text: str) -> Optional[str]:
        """The handoff state ("waiting" or "active") while a human has or will take the
        conversation; the message is recorded for the agents' queue and live view."""
        try:
            return services().handoffs.customer_said(session_id, text)
        except Exception:  # the database being down must not make the channel fail too
            logger.exception("could not check the handoff state")
            return None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Used by the HTTP API to push (e.g. an agent's or upload confirmation) to the widget."""
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        manager = AsyncRedisManager(self.redis_url, channel=self.socketio_channel) if self.redis_url else None
        # Pings every 10 s with a 10 s timeout (python-socketio's defaults are 25 + 20): a dead
        # connection is noticed, and shown in the widget, within about 20 s.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins, client_manager=manager,
                          ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT)
        self.sio = sio
        socket_blueprint = SocketBlueprint(sio, self.socketio_path, "refund_socket_webhook", __name__)

        @socket_blueprint.route("/", methods=["GET"])
        @socket_blueprint.route("/health", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            """Liveness: the process answers."""
            return response.json({"status": "ok"})

        @socket_blueprint.route("/ready", methods=["GET"])
        async def ready(request: Request) -> response.HTTPResponse:
            """Readiness: a model is loaded and the conversation store answers."""
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "unavailable", "reason": "model not loaded"}, status=503)
            # Rasa wraps the store in a fail-safe layer that swallows errors: ask the real one.
            store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
            try:
                await store.retrieve("readiness-probe")
            except Exception as exc:  # any failure means: do not route traffic here
                return response.json({"status": "unavailable", "reason": type(exc).__name__}, status=503)
            return response.json({"status": "ready"})

        @socket_blueprint.route("/metrics", methods=["GET"])
        async def prometheus(_: Request) -> response.HTTPResponse:
            return response.raw(metrics.render(), content_type=metrics.CONTENT_TYPE)

        @socket_blueprint.route("/agent_typing", methods=["POST"])
        async def agent_typing(request: Request) -> response.HTTPResponse:
            """The website (holding the Rasa token) says an agent is typing: the customer's open
            widget shows 「客服正在输入…」."""
            sent = (request.args.get("token") or "").encode("utf-8", "replace")
            if not hmac.compare_digest(sent, self.rasa_token.encode("utf-8")):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            conversation, name = body.get("conversation_id"), body.get("agent_name")
            if not isinstance(conversation, str) or not conversation or not isinstance(name, str):
                return response.json({"error": "conversation_id and agent_name are required"}, status=422)
            await sio.emit(AGENT_TYPING_EVENT, {"agent_name": name[:20]}, room=conversation[:128])
            return response.json({"ok": True})

        @sio.on("connect")
        async def connect(sid: Text, environ: Any, auth: Optional[Dict] = None) -> bool:
            if (await sio.get_session(sid)).get("connected") or not isinstance(environ, dict):
                # python-socketio also dispatches a client-sent "connect" event here: it must not
                # reset the session (or the identity) of a connection that already exists.
                logger.info("ignored a client-sent connect event")
                return True
            token = (parse_qs(environ.get("QUERY_STRING", "")).get("token") or [None])[0]
            if not token and isinstance(auth, dict):
                token = auth.get("token")
            user_id: Optional[str] = None
            login_id: Optional[str] = None
            state = LoginState.GUEST
            try:
                claim = verify_chat_token(token, self.secret)
                if self._login_live(claim.session_id, claim.subject):
                    user_id, login_id, state = claim.subject, claim.session_id, LoginState.CUSTOMER
                else:
                    state = LoginState.ENDED
                    logger.info("chat token of an ended login: connecting as a guest")
            except TokenExpired:
                state = LoginState.EXPIRED
                logger.info("expired chat token: connecting as a guest")
            except TokenError as exc:
                if token:
                    state = LoginState.INVALID
                    logger.info("chat token refused (%s): connecting as a guest", exc)
            if state in (LoginState.EXPIRED, LoginState.ENDED):
                # Said, not silently turned into a guest: the widget asks the site for a fresh
                # token (the login may well hold) and otherwise tells the customer and goes on
                # as a guest (static/chat.js).
                raise socketio_errors.ConnectionRefusedError("login", {"state": state.value})
            ip = client_address(environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_FORWARDED_FOR"),
                                self.trusted_proxies)
            await sio.save_session(sid, {"user_id": user_id, "login_id": login_id, "ip": ip, "connected": True,
                                         "login_state": state.value})
            return True

        @sio.on("session_request")
        async def session_request(sid: Text, data: Optional[Dict] = None) -> None:
            session = await sio.get_session(sid)
            owner = session.get("user_id") or f"guest:{sid}"
            requested = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(requested, str) and requested and self.registry.owner(requested) == owner:
                session_id = requested
            elif self._may_start_conversation(session):
                session_id = uuid.uuid4().hex
                self.registry.bind(session_id, owner, None if session.get("user_id") else GUEST_BINDING_SECONDS)
                session["started"] = session.get("started", 0) + 1
            else:
                await sio.emit(self.bot_message_evt, {"text": TOO_MANY_CONVERSATIONS}, room=sid)
                if not session.get("session_id"):
                    return
                session_id = session["session_id"]  # the widget stays in the conversation it has
            previous = session.get("session_id")
            if previous and previous != session_id:
                await _maybe_await(sio.leave_room(sid, previous))
            session["session_id"] = session_id
            await sio.save_session(sid, session)
            await _maybe_await(sio.enter_room(sid, session_id))
            await sio.emit("session_confirm", session_id, room=sid)
            # Who the channel takes this socket for: a widget whose page belongs to a logged-in
            # customer says so when the login expired or ended (and fetches a fresh token).
            await sio.emit(LOGIN_STATE_EVENT, {"state": session.get("login_state", LoginState.GUEST.value),
                                               "customer_id": session.get("user_id")}, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            session = await sio.get_session(sid)
            session_id = session.get("session_id")
            if not session_id:  # a message before session_request: no conversation to put it in
                metrics.MESSAGES.labels(outcome="no_session").inc()
                await sio.emit(self.bot_message_evt, {"text": NO_SESSION}, room=sid)
                return
            started = time.perf_counter()
            token = current_conversation.set(session_id)
            try:
                outcome = await self._handle(session, session_id, data, on_new_message)
                elapsed = time.perf_counter() - started
                logger.info("message %s in %.0f ms", outcome, elapsed * 1000)
            finally:
                current_conversation.reset(token)
            metrics.MESSAGES.labels(outcome=outcome).inc()
            metrics.TURN_SECONDS.observe(elapsed)

        return socket_blueprint

    async def _handle(self, session: Dict, session_id: str, data: Any,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        """Answer one widget message; returns the outcome counted in the metrics."""
        output = WidgetOutput(self.sio, self.bot_message_evt)
        text = data.get("message") if isinstance(data, dict) else None
        if not isinstance(text, str):
            await output.send_text_message(session_id, MALFORMED)
            return "malformed"
        if len(text) > MAX_MESSAGE_CHARS:
            await output.send_text_message(session_id, TOO_LONG)
            return "too_long"
        if not normalize_text(text).strip():
            await output.send_text_message(session_id, EMPTY)
            return "empty"
        user_id = session.get("user_id")
        if user_id and not self._login_live(session.get("login_id"), user_id):
            # The customer logged out (or the login expired) while this socket stayed open.
            await output.send_text_message(session_id, SESSION_ENDED)
            if self.sio is not None:
                await self.sio.emit(LOGIN_STATE_EVENT, {"state": LoginState.ENDED.value, "customer_id": None},
                                    room=session_id)
            return "login_ended"
        if not self.message_limit.allow(f"user:{user_id}" if user_id else f"ip:{session.get('ip')}"):
            await output.send_text_message(session_id, TOO_FAST)
            return "rate_limited"
        metadata = {"user_id": user_id, "auth_verified": user_id is not None,
                    **sign_identity(self.secret, session_id, user_id, self.name(), address=session.get("ip"))}
        await on_new_message(UserMessage(text, output, session_id, input_channel=self.name(), metadata=metadata))
        if output.sent:
            return "answered"
        status = self._handoff_status(session_id, text)
        if status == "active":
            return "with_agent"  # the bot is paused and the agent answers
        if status == "waiting":
            await output.send_text_message(session_id, handoff_replies.message_kept_while_waiting())
            return "queued"
        # Every turn gets an answer: silence here means a part (e.g. the action server)
        # failed. What the customer already told us is kept in the conversation.
        await output.send_text_message(session_id, TEMPORARY_FAILURE)
        return "failed"


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result
