"""Engine and session set-up for SQLite (default) and PostgreSQL."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


def make_engine(url: str, ping: bool = True) -> Engine:
    """Create an engine (2.0-style) for `url`; SQLite files get their folder and sane pragmas.
    `ping`: test each pooled connection before use (a database restart costs no request); a
    test that makes thousands of short transactions on a database it owns may skip it."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    options: Dict[str, Any] = {}
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        # Keep SQLite connections (SQLAlchemy 1.4 opens one per session for a file, each
        # paying the pragmas below; 2.0's default): a pooled connection may serve any thread.
        options = {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, future=True, pool_pre_ping=ping, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions that do not expire objects on commit (values are read after commit)."""
    return sessionmaker(engine, class_=Session, future=True, expire_on_commit=False)
