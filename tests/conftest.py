"""Shared fixtures: databases (SQLite and the local PostgreSQL) and wired services."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo
from bot.tickets.store import TicketStore

# The suite runs as development (the demo data, the development REST channel); tests of other
# environments set REFUND_ENV themselves. REFUND_ENV has no default (bot/settings.py).
os.environ["REFUND_ENV"] = "development"
# Property tests draw the same examples on every run (`make test` stays deterministic); `make bench`
# and HYPOTHESIS_PROFILE=explore draw new ones each time to keep looking.
hypothesis_settings.register_profile("deterministic", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
# Wednesday 2026-11-25 10:00 Beijing time.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    """A fresh, migrated database of each kind; the PostgreSQL one lives in its own schema."""
    with database(request.param, tmp_path) as made:
        yield made


@contextmanager
def database(kind: str, folder: Path, ping: bool = True) -> Iterator[sessionmaker]:
    """A fresh, migrated SQLite database in `folder`, or PostgreSQL schema (`kind`), dropped after
    (`ping`: see make_engine)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'test.db'}", ping)
        migrate(engine)
        yield session_factory(engine)
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", ping)
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


@contextmanager
def website(kind: str, workdir: Path, env: Dict[str, str]) -> Iterator[Tuple[str, sessionmaker]]:
    """The website alone (`python -m bot.web`, no Rasa) over a new, migrated and seeded SQLite
    database or PostgreSQL schema (`kind`), with `env` added; yields its URL and the database."""
    from harness.servers import free_port, wait_for

    cleanup = None
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'site.db'}"
    else:
        schema = f"site_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        cleanup = (admin, schema)
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    port = free_port()
    full_env = {**os.environ, "REFUND_DB_URL": url, "REFUND_WEB_PORT": str(port), "PYTHONPATH": str(PROJECT_ROOT),
                "REFUND_UPLOAD_DIR": str(workdir / "uploads"), "REFUND_MAIL_DIR": str(workdir / "mail"), **env}
    log = workdir / "web.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=full_env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", process, log)
        yield f"http://127.0.0.1:{port}", sessions
    finally:
        process.terminate()
        process.wait(timeout=20)
        engine.dispose()
        if cleanup:
            admin, schema = cleanup
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
