"""The mail intake service: an SMTP server (aiosmtpd) for the support address, and HTTP health,
readiness and metrics, in one process (`python -m bot.mail`).

In production the provider's mail server relays the support address to REFUND_MAIL_HOST:PORT;
in development it listens on 127.0.0.1:2525 (`make mail` sends it a message). Only the support
address is accepted as a recipient; a message over REFUND_MAIL_MAX_BYTES is refused during the
transaction (the sender's server tells the sender), and so, with "try later", is a sender far
past the flood limit. Accepted messages are kept before the server says 250; handling and the
outbox (retried) run off the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, Optional

from aiosmtpd.smtp import SMTP, Envelope, Session
from sanic import Sanic, response
from sanic.request import Request

from bot.mail.intake import MailIntake
from bot.mail.links import MailLinks
from bot.mail.sender import MailRelay, deliver_due
from bot.mail.store import MailStore
from bot.observability import metrics
from bot.observability.logs import configure_json_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.migrations import SchemaError, not_ready_because
from bot.wiring import Services, build_services

logger = logging.getLogger(__name__)
OUTBOX_SECONDS = 10
SMTP_TIMEOUT_SECONDS = 60


class IntakeHandler:
    """aiosmtpd's handler: recipients, flood refusal, and DATA handed to the intake."""

    def __init__(self, intake: MailIntake, relay: MailRelay, address: str) -> None:
        self.intake = intake
        self.relay = relay
        self.address = address

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list) -> str:
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, self.intake.refuses_sender, address.lower()):
            metrics.MAIL_REFUSED.labels(reason="flood").inc()
            return "451 4.7.1 Too many messages from this sender, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list) -> str:
        if address.lower() != self.address:
            metrics.MAIL_REFUSED.labels(reason="recipient").inc()
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.intake.receive, raw, envelope.mail_from or "")
        except Exception:
            logger.exception("a message could not be kept")
            metrics.MAIL_REFUSED.labels(reason="error").inc()
            return "451 4.3.0 Temporary failure, please try again later"
        loop.run_in_executor(None, deliver_due, self.intake.store, self.relay)
        return "250 2.0.0 Message accepted"


class _SizeCountingSMTP(SMTP):
    """aiosmtpd's SMTP server, counting the messages it refuses for their size."""

    async def push(self, status: Any) -> None:  # aiosmtpd types it AnyStr
        if str(status).startswith("552"):
            metrics.MAIL_REFUSED.labels(reason="too_large").inc()
        await super().push(status)


def build_app(services: Services, settings: Settings) -> Sanic:
    """The HTTP side (health, readiness, metrics); the SMTP server starts with it."""
    mail = settings.mail
    store = MailStore(services.sessions, mail.dir)
    links = MailLinks(services.sessions, settings.jwt_secret, settings.site_url)
    intake = MailIntake(services, store, links)
    relay = MailRelay(mail)
    handler = IntakeHandler(intake, relay, mail.address)
    app = Sanic("refund_mail")
    app.ctx.smtp = None
    registry = metrics.database_registry(services.sessions)

    @app.before_server_start
    async def start_smtp(app: Sanic, loop: Any) -> None:
        def protocol() -> SMTP:
            return _SizeCountingSMTP(handler, data_size_limit=mail.max_bytes, enable_SMTPUTF8=True,
                                     hostname=mail.address.rsplit("@", 1)[1], ident="refund mail intake",
                                     timeout=SMTP_TIMEOUT_SECONDS)
        app.ctx.smtp = await asyncio.get_running_loop().create_server(protocol, host=mail.host, port=mail.port)
        logger.info("mail intake listening on %s:%d for %s", mail.host, mail.port, mail.address)

    @app.after_server_start
    async def start_outbox(app: Sanic, loop: Any) -> None:
        app.ctx.outbox = asyncio.get_running_loop().create_task(_outbox_loop(store, relay))

    @app.before_server_stop
    async def stop_smtp(app: Sanic, loop: Any) -> None:
        """Stop taking mail, then stop the outbox (what is left is sent after the restart)."""
        if app.ctx.smtp is not None:
            app.ctx.smtp.close()
            await app.ctx.smtp.wait_closed()
        if getattr(app.ctx, "outbox", None) is not None:
            app.ctx.outbox.cancel()

    @app.get("/health")
    async def health(request: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/ready")
    async def ready(request: Request) -> response.HTTPResponse:
        """Ready: the database answers with a current schema and the SMTP server listens."""
        reason = not_ready_because(services.sessions)
        if reason is not None:
            return response.json({"status": "unavailable", "reason": reason}, status=503)
        if app.ctx.smtp is None or not app.ctx.smtp.is_serving():
            return response.json({"status": "unavailable", "reason": "smtp"}, status=503)
        return response.json({"status": "ready", "outbox": store.outbox_status()})

    @app.get("/metrics")
    async def prometheus(request: Request) -> response.HTTPResponse:
        return response.raw(metrics.render(registry), content_type=metrics.CONTENT_TYPE)

    return app


async def _outbox_loop(store: MailStore, relay: MailRelay) -> None:
    """Send what is due (new replies and retries) every few seconds, off the event loop."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(None, deliver_due, store, relay)
        except Exception:
            logger.exception("outbox round failed")
        await asyncio.sleep(OUTBOX_SECONDS)


def main(settings: Optional[Settings] = None) -> None:
    settings = settings or load_settings()
    if settings.mail.relay is None and not settings.is_development:
        raise SettingsError(f"REFUND_MAIL_RELAY must be set when REFUND_ENV={settings.environment} "
                            "(host:port of the outgoing mail relay)")
    configure_json_logging()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    try:
        services = build_services(settings)
    except SchemaError as exc:
        sys.exit(f"error: {exc}")
    app = build_app(services, settings)
    app.run(host=settings.mail.host, port=settings.mail.http_port, workers=1, access_log=False)
