"""The action server: rasa-sdk's app plus what operators need.

Run with `python -m actions.server --port 5055`. Adds to rasa-sdk's `/health` and `/webhook`:
`/ready` (the database answers and its schema is current), `/metrics` (Prometheus: action
runs, errors, latency, fallbacks, handoffs), JSON logs carrying the conversation id.

rasa-sdk executes any action for any tracker it is sent, so every call that can run or list
actions (`/webhook`, `/actions`) must carry the shared secret REFUND_ACTION_TOKEN in the
`X-Refund-Action-Token` header (endpoints.yml makes Rasa send it); anything else gets 401.
`/health`, `/ready` and `/metrics` stay open for probes. Binds to SANIC_HOST (default 127.0.0.1).
"""
from __future__ import annotations

import argparse
import hmac
import logging
import time
from typing import Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.observability import metrics
from bot.observability.logs import configure_json_logging, current_conversation
from bot.settings import load_settings
from bot.storage.migrations import ensure_current
from bot.wiring import services

FALLBACK_ACTIONS = {"action_fallback"}
# Rasa posts the whole tracker on every call: long conversations need room, but not Sanic's 100 MB.
MAX_BODY_BYTES = 16 * 1024 * 1024
TOKEN_HEADER = "x-refund-action-token"
PROTECTED_PATHS = ("/webhook", "/actions")


def _call(request: Request) -> tuple[Optional[str], Optional[str]]:
    """(action name, conversation id) of an action call, if the body is one. Reads Sanic's
    parsed body, which rasa-sdk then reuses: the whole tracker is parsed once, not twice."""
    try:
        body = request.json
    except Exception:  # Sanic's InvalidUsage for a body that is not JSON: rasa-sdk answers it
        return None, None
    if not isinstance(body, dict):
        return None, None
    tracker = body.get("tracker")
    if not isinstance(tracker, dict):
        tracker = {}
    action = body.get("next_action")
    return (action if isinstance(action, str) else None), tracker.get("sender_id")


def build_app(action_token: Optional[str] = None) -> Sanic:
    """rasa-sdk's app for the `actions` package with authentication, readiness, metrics and
    timing added; `action_token` defaults to REFUND_ACTION_TOKEN."""
    token = (action_token or load_settings().action_token).encode("utf-8")
    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.on_request
    async def authenticate(request: Request) -> Optional[response.HTTPResponse]:
        if request.path.rstrip("/") not in PROTECTED_PATHS:
            return None
        sent = request.headers.get(TOKEN_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(sent, token):
            return response.json({"error": "missing or wrong action server token"}, status=401)
        return None

    @app.on_request
    async def start_timer(request: Request) -> None:
        if request.path == "/webhook":
            action, conversation_id = _call(request)
            request.ctx.action = action or "unknown"
            request.ctx.started = time.perf_counter()
            request.ctx.log_token = current_conversation.set(conversation_id)

    @app.on_response
    async def record(request: Request, resp) -> None:
        if request.path != "/webhook" or not hasattr(request.ctx, "started"):
            return
        action = request.ctx.action
        metrics.ACTION_RUNS.labels(action=action).inc()
        metrics.ACTION_SECONDS.labels(action=action).observe(time.perf_counter() - request.ctx.started)
        if resp is not None and resp.status >= 500:
            metrics.ACTION_ERRORS.labels(action=action).inc()
        if action in FALLBACK_ACTIONS:
            metrics.FALLBACKS.inc()
        current_conversation.reset(request.ctx.log_token)

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> response.HTTPResponse:
        """An action that raised: logged here (masked, with the conversation id) and answered
        with the kind of error only. rasa-sdk's own handler answers with the whole request —
        the conversation and its identity claims — which Rasa would then log. A request the
        server itself refuses (unknown path, wrong method, bad body) keeps its 4xx."""
        if isinstance(exception, SanicException) and 400 <= (exception.status_code or 500) < 500:
            return response.json({"error": type(exception).__name__}, status=exception.status_code)
        logging.getLogger(__name__).error("action %s failed", getattr(request.ctx, "action", "unknown"),
                                          exc_info=exception)
        return response.json({"error": f"the action failed ({type(exception).__name__})"}, status=500)

    @app.get("/ready")
    async def ready(_: Request) -> response.HTTPResponse:
        """Readiness: the database answers with a current schema."""
        try:
            ensure_current(services().sessions.kw["bind"])
        except Exception as exc:  # any failure means: do not route traffic here
            return response.json({"status": "unavailable", "reason": type(exc).__name__}, status=503)
        return response.json({"status": "ready"})

    @app.get("/metrics")
    async def prometheus(_: Request) -> response.HTTPResponse:
        return response.raw(metrics.render(), content_type=metrics.CONTENT_TYPE)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the refund assistant's action server.")
    settings = load_settings()
    parser.add_argument("--port", type=int, default=settings.actions_port)
    args = parser.parse_args()
    configure_json_logging()
    app = build_app()
    host = settings.actions_host
    logging.getLogger(__name__).info("action server listening on %s:%d", host, args.port)
    app.run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
