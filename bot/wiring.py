"""Builds the services from settings once per process."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.security.login_sessions import LoginSessions
from bot.settings import Settings, load_settings
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import ensure_current
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import UploadStore


def build_sessions(settings: Settings) -> sessionmaker:
    """Sessions on the configured database, which must be at the newest migration."""
    engine = make_engine(settings.database_url)
    ensure_current(engine)
    return session_factory(engine)


def build_refund_service(settings: Settings, sessions: sessionmaker | None = None) -> RefundService:
    """Wire billing, tickets and policy for `settings`."""
    sessions = sessions or build_sessions(settings)
    return RefundService(SqlBillingAdapter(sessions), TicketStore(sessions), load_policy(settings.policy_file))


@lru_cache(maxsize=1)
def _sessions() -> sessionmaker:
    return build_sessions(load_settings())


def database_sessions() -> sessionmaker:
    """The process-wide database sessions (schema checked once, on first use)."""
    return _sessions()


@lru_cache(maxsize=1)
def refund_service() -> RefundService:
    """The process-wide refund service built from the environment."""
    return build_refund_service(load_settings(), _sessions())


@lru_cache(maxsize=1)
def ticket_workflow() -> TicketWorkflow:
    """The process-wide ticket workflow (same store and policy as the refund service)."""
    service = refund_service()
    return TicketWorkflow(service.tickets, service.policy, service.clock)


@lru_cache(maxsize=1)
def handoff_service() -> HandoffService:
    """The process-wide handoff queue."""
    return HandoffService(_sessions(), SupportSettings(load_settings().support_file))


@lru_cache(maxsize=1)
def upload_store() -> UploadStore:
    """The process-wide evidence upload store."""
    settings = load_settings()
    return UploadStore(_sessions(), settings.upload_dir, settings.upload_max_bytes, settings.upload_max_files,
                       settings.upload_quota_bytes)


@lru_cache(maxsize=1)
def login_sessions() -> LoginSessions:
    """The process-wide store of website and console logins."""
    return LoginSessions(_sessions())


def reset() -> None:
    """Forget the process-wide services (tests change the environment between cases)."""
    for cached in (_sessions, refund_service, ticket_workflow, handoff_service, upload_store, login_sessions):
        cached.cache_clear()
