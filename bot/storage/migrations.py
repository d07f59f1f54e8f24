"""Schema versions (Alembic): upgrade, and refuse to run on a schema that is behind."""
from __future__ import annotations

from typing import Any, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import String, Text, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.settings import PROJECT_ROOT


class SchemaError(RuntimeError):
    """The database schema does not match the code; the message says what to do."""


def compare_type(context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any,
                 metadata_type: Any) -> Optional[bool]:
    """Alembic's type comparison, except a VARCHAR's length on SQLite, which SQLite never
    enforces (widening a column there would mean rebuilding every table that references it)."""
    strings = [t for t in (inspected_type, metadata_type) if isinstance(t, String) and not isinstance(t, Text)]
    if context.dialect.name == "sqlite" and len(strings) == 2:
        return False
    return None  # Alembic's own comparison


def _config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise SchemaError("no migration found in migrations/versions")
    return head


def current_revision(engine: Engine) -> Optional[str]:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema."""
    if current_revision(engine) is None and "refund_tickets" in inspect(engine).get_table_names():
        raise SchemaError("数据库里已有表但没有版本记录（早期创建的库）。演示库可以删除 var/refund.db 后重新运行 "
                          "make run；生产库请先备份，再用 `alembic stamp` 标记当前版本。")
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def ensure_current(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaError(f"数据库结构版本为 {current or '（无）'}，代码需要 {head}：请先运行 `make migrate`。"
                          f" (schema is behind: {current} != {head}; run `make migrate`)")


def not_ready_because(sessions: sessionmaker) -> Optional[str]:
    """Why a service on this database must not take traffic (the error's type: the database does
    not answer, or its schema is not current), or None when it may."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        ensure_current(sessions.kw["bind"])
    except Exception as exc:  # any failure means: do not route traffic here
        return type(exc).__name__
    return None
