"""The composition root: every process (action server, website and console, command lines,
tests) builds its services here, from one `Settings`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Callable

from sqlalchemy.orm import sessionmaker

from bot.backoffice.staff import StaffDirectory
from bot.billing.sql_adapter import SqlBillingAdapter
from bot.clock import utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import AssignRules, HandoffService
from bot.nlu.review_inbox import ReviewInbox
from bot.observability.activity import ConversationActivity
from bot.policy.config import Policy, load_policy
from bot.refunds.pages import RefundPages
from bot.refunds.service import RefundService
from bot.security.customer_accounts import CustomerAccounts
from bot.security.login_sessions import LoginSessions
from bot.security.ratelimit import rate_limiter
from bot.settings import Settings, load_settings
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import ensure_current
from bot.tickets.ledger import OrderLedgers
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import UploadStore


@dataclass(frozen=True)
class Services:
    """What the adapters (actions, web pages, command lines) may use."""

    settings: Settings
    sessions: sessionmaker
    refunds: RefundService
    workflow: TicketWorkflow
    handoffs: HandoffService
    uploads: UploadStore
    logins: LoginSessions
    staff: StaffDirectory
    customers: CustomerAccounts
    nlu_review: ReviewInbox
    activity: ConversationActivity

    @property
    def pages(self) -> RefundPages:
        """Links to the customer's refund pages on this deployment's website."""
        return RefundPages(self.settings.site_url)


def build_sessions(settings: Settings) -> sessionmaker:
    """Sessions on the configured database, which must be at the newest migration
    (SchemaError otherwise)."""
    engine = make_engine(settings.database_url)
    ensure_current(engine)
    return session_factory(engine)


def build_services(settings: Settings, sessions: sessionmaker | None = None, policy: Policy | None = None,
                   clock: Callable[[], datetime] = utcnow) -> Services:
    """Wire every service for `settings` (over `sessions` when given, e.g. a test database;
    `policy` and `clock` replace the configured ones, e.g. to quote under a preset at a moment)."""
    sessions = sessions or build_sessions(settings)
    policy = policy or load_policy(settings.policy_file)
    tickets = TicketStore(sessions)
    billing = SqlBillingAdapter(sessions)
    return Services(
        settings=settings, sessions=sessions,
        refunds=RefundService(billing, tickets, policy, clock),
        workflow=TicketWorkflow(tickets, policy, clock, OrderLedgers(billing, policy)),
        handoffs=HandoffService(sessions, SupportSettings(settings.support_file), admit=rate_limiter(
            "handoff", settings.handoffs_per_10_minutes, 600, settings.redis_url).allow,
            rules=AssignRules(settings.auto_assign, settings.agent_capacity,
                              timedelta(seconds=settings.long_wait_seconds))),
        uploads=UploadStore(sessions, settings.upload_dir, settings.upload_max_bytes, settings.upload_max_files,
                            settings.upload_quota_bytes),
        logins=LoginSessions(sessions),
        staff=StaffDirectory(sessions),
        customers=CustomerAccounts(sessions),
        nlu_review=ReviewInbox(sessions, clock),
        activity=ConversationActivity(sessions, clock),
    )


@lru_cache(maxsize=1)
def services() -> Services:
    """The process-wide services, built from the environment on first use (the action server
    and the chat channel, whose entry points Rasa owns, cannot be handed them)."""
    return build_services(load_settings())


def reset() -> None:
    """Forget the process-wide services (tests change the environment between cases)."""
    services.cache_clear()
