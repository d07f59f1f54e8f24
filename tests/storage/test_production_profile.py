"""The production endpoint profile loads with Rasa and points at PostgreSQL and Redis."""
from rasa.core.utils import read_endpoints_from_path

from bot.settings import PROJECT_ROOT


def test_production_endpoints_use_postgres_and_redis(monkeypatch):
    values = {"REFUND_ACTION_URL": "http://127.0.0.1:5055/webhook", "REFUND_PG_HOST": "127.0.0.1",
              "REFUND_PG_PORT": "5432", "REFUND_PG_DB": "test", "REFUND_PG_USER": "postgres",
              "REFUND_PG_PASSWORD": "x", "REFUND_REDIS_HOST": "127.0.0.1", "REFUND_REDIS_PORT": "6379",
              "REFUND_REDIS_DB": "1", "REFUND_REDIS_PASSWORD": "x", "REFUND_ACTION_TOKEN": "an-action-token"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    endpoints = read_endpoints_from_path(str(PROJECT_ROOT / "endpoints.prod.yml"))
    assert endpoints.tracker_store.type == "bot.channels.tracker_stores.KeepingSQLTrackerStore"
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert endpoints.lock_store.type == "bot.channels.locks.AtomicRedisLockStore"
    assert endpoints.lock_store.url == "127.0.0.1"
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints.action.headers == {"X-Refund-Action-Token": "an-action-token"}


def test_development_endpoints_send_the_action_token(monkeypatch):
    monkeypatch.setenv("REFUND_ACTION_TOKEN", "a-development-token")
    endpoints = read_endpoints_from_path(str(PROJECT_ROOT / "endpoints.yml"))
    assert endpoints.action.headers == {"X-Refund-Action-Token": "a-development-token"}


def test_env_example_names_every_variable_the_profile_uses():
    profile = (PROJECT_ROOT / "endpoints.prod.yml").read_text(encoding="utf-8")
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    import re
    for name in set(re.findall(r"\$\{(\w+)\}", profile)):
        assert f"{name}=" in example
