"""Alembic migrations: they build exactly the models' schema, and services refuse a stale one."""
import os
import subprocess
import sys
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine
from bot.storage.migrations import (
    SchemaError,
    compare_type,
    ensure_current,
    head_revision,
    migrate,
    not_ready_because,
)
from bot.storage.schema import Base


def test_migrations_match_the_models(sessions):
    engine = sessions.kw["bind"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    ensure_current(engine)


def test_readiness_of_the_services_follows_the_database(tmp_path, sessions):
    """The website's and the mail intake's /ready: no schema or no database, not ready."""
    from sqlalchemy.orm import sessionmaker

    assert not_ready_because(sessions) is None
    empty = sessionmaker(bind=make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert not_ready_because(empty) == "SchemaError"
    gone = sessionmaker(bind=make_engine("postgresql+psycopg2://nobody:wrong@127.0.0.1:9/none"))
    assert not_ready_because(gone) == "OperationalError"


def test_an_empty_database_is_behind(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaError, match="make migrate"):
        ensure_current(engine)
    migrate(engine)
    ensure_current(engine)


def test_an_unversioned_old_database_gets_a_clear_message(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE refund_tickets (ticket_id TEXT PRIMARY KEY)"))
    with pytest.raises(SchemaError, match="没有版本记录"):
        migrate(engine)


def test_the_website_refuses_to_start_on_a_stale_schema(tmp_path):
    env = {**os.environ, "REFUND_DB_URL": f"sqlite:///{tmp_path / 'stale.db'}", "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "make migrate" in result.stderr
    assert head_revision() in result.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_history_search_starts_with_what_the_handoffs_already_hold(tmp_path, kind):
    """0013 fills handoff_messages from the handoffs' left messages and last words (before it,
    the history searched only those)."""
    from alembic import command
    from alembic.config import Config

    from tests.conftest import POSTGRES_URL

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL) if kind == "postgresql" else None
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}" if admin is not None
                         else f"sqlite:///{tmp_path / 'old.db'}")
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0012")
            connection.execute(text(
                "INSERT INTO handoffs (conversation_id, reason, summary, status, kind, message, created_at, version, "
                "last_customer_text) VALUES ('c', 'requested', '{}', 'resolved', 'message', '服务器宕机', "
                "'2026-11-25 02:00:00', 1, 'SSH 登录不上'), ('d', 'requested', '{}', 'resolved', 'live', NULL, "
                "'2026-11-25 02:00:00', 1, NULL)"))
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT who, text FROM handoff_messages ORDER BY text")).all()
        assert [tuple(r) for r in rows] == [("customer", "SSH 登录不上"), ("customer", "服务器宕机")]
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
