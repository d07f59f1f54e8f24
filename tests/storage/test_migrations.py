"""Alembic migrations: they build exactly the models' schema, and services refuse a stale one."""
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine
from bot.storage.migrations import SchemaError, compare_type, ensure_current, head_revision, migrate
from bot.storage.schema import Base


def test_migrations_match_the_models(sessions):
    engine = sessions.kw["bind"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    ensure_current(engine)


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
