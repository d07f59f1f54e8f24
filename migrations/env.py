"""Alembic environment: our metadata, the URL from the environment."""
from alembic import context

from bot.settings import load_settings
from bot.storage.database import make_engine
from bot.storage.migrations import compare_type
from bot.storage.schema import Base

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=load_settings().database_url, target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, compare_type=compare_type)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(load_settings().database_url)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    # render_as_batch lets the same migrations alter tables on SQLite.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=compare_type)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
