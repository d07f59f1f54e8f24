"""Routes for operations: liveness, readiness, Prometheus metrics and per-route timing."""
from __future__ import annotations

import time

from sanic import Sanic, response
from sanic.request import Request

from bot.observability import metrics
from bot.storage.migrations import not_ready_because
from bot.wiring import Services


def add_ops_routes(app: Sanic, services: Services) -> None:
    sessions = services.sessions
    registry = metrics.database_registry(sessions)

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        """Liveness: the process answers."""
        return response.json({"status": "ok"})

    @app.get("/ready")
    async def ready(request: Request) -> response.HTTPResponse:
        """Readiness: the database answers and its schema is current."""
        reason = not_ready_because(sessions)
        if reason is not None:
            return response.json({"status": "unavailable", "reason": reason}, status=503)
        return response.json({"status": "ready"})

    @app.get("/metrics")
    async def prometheus(request: Request) -> response.HTTPResponse:
        """Prometheus metrics (internal port; the public proxy does not forward this path)."""
        return response.raw(metrics.render(registry), content_type=metrics.CONTENT_TYPE)

    @app.on_request
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def record(request: Request, resp: response.HTTPResponse) -> None:
        route = request.route.path if request.route else "unmatched"
        metrics.HTTP_REQUESTS.labels(route=route, status=f"{resp.status // 100}xx").inc()
        started = getattr(request.ctx, "started", None)
        if started is not None:
            metrics.HTTP_SECONDS.labels(route=route).observe(time.perf_counter() - started)
