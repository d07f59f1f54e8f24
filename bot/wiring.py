"""Builds the services from settings once per process."""
from __future__ import annotations

from functools import lru_cache

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.settings import Settings, load_settings
from bot.storage.database import create_schema, make_engine, session_factory
from bot.tickets.store import TicketStore


def build_refund_service(settings: Settings) -> RefundService:
    """Wire billing, tickets and policy for `settings`."""
    engine = make_engine(settings.database_url)
    create_schema(engine)
    sessions = session_factory(engine)
    return RefundService(SqlBillingAdapter(sessions), TicketStore(sessions),
                         load_policy(settings.policy_file))


@lru_cache(maxsize=1)
def refund_service() -> RefundService:
    """The process-wide service built from the environment."""
    return build_refund_service(load_settings())
