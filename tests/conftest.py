"""Shared fixtures: databases (SQLite and the local PostgreSQL) and wired services."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo
from bot.tickets.store import TicketStore

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
# Wednesday 2026-11-25 10:00 Beijing time.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    """A fresh, seeded database of each kind; the PostgreSQL one lives in its own schema."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        migrate(engine)
        yield session_factory(engine)
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    migrate(engine)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def seeded(sessions):
    seed_demo(sessions, now=NOW)
    return sessions


@pytest.fixture
def service(seeded):
    """A RefundService over the seeded demo data with the clock fixed at NOW."""
    policy = load_policy(PROJECT_ROOT / "policies" / "default.yml")
    return RefundService(SqlBillingAdapter(seeded), TicketStore(seeded), policy, clock=lambda: NOW)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Action server, Rasa server and website, once per test session (see harness/servers.py)."""
    from harness.servers import sqlite_stack

    with sqlite_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def fresh_stack(stack):
    """The running stack with the demo data freshly re-seeded and support hours open."""
    from harness.servers import write_support

    seed_demo(stack.sessions, reset=True)
    write_support(stack.support_file)
    return stack


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """The multi-instance production set-up (harness/cluster.py), once per test session."""
    from harness.cluster import create_database, drop_database, nginx_binary, start_cluster

    try:
        nginx_binary()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))  # CI installs it: a missing nginx is a broken set-up
        pytest.skip(str(exc))
    db_url = create_database()
    try:
        running = start_cluster(tmp_path_factory.mktemp("cluster"), db_url)
        try:
            yield running
        finally:
            running.stop()
            running.sessions.kw["bind"].dispose()
    finally:
        drop_database(db_url)


@pytest.fixture
def fresh_cluster(cluster):
    """The cluster with the demo data re-seeded and support hours open."""
    from harness.servers import write_support

    seed_demo(cluster.sessions, reset=True)
    write_support(cluster.support_file)
    return cluster
