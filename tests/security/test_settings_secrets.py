"""Secrets: public development defaults only in development; production refuses defaults,
placeholders and short values; `test` must set them explicitly."""
import pytest

from bot.settings import DEV_ACTION_TOKEN, DEV_RASA_TOKEN, DEV_SECRET, SettingsError, load_settings

GOOD = {"REFUND_JWT_SECRET": "j" * 40, "REFUND_RASA_TOKEN": "r" * 24, "REFUND_ACTION_TOKEN": "a" * 24}


@pytest.fixture
def env(monkeypatch):
    for name in GOOD:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REFUND_DB_URL", raising=False)

    def apply(environment, **values):
        monkeypatch.setenv("REFUND_ENV", environment)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    return apply


def test_development_uses_the_public_defaults(env):
    env("development")
    settings = load_settings()
    assert (settings.jwt_secret, settings.rasa_token, settings.action_token) == (DEV_SECRET, DEV_RASA_TOKEN,
                                                                                 DEV_ACTION_TOKEN)


@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("missing", sorted(GOOD))
def test_test_and_production_need_every_secret(env, environment, missing):
    env(environment, **{k: v for k, v in GOOD.items() if k != missing})
    with pytest.raises(SettingsError, match=missing):
        load_settings()


@pytest.mark.parametrize("name,value", [
    ("REFUND_JWT_SECRET", DEV_SECRET), ("REFUND_RASA_TOKEN", DEV_RASA_TOKEN),
    ("REFUND_ACTION_TOKEN", DEV_ACTION_TOKEN), ("REFUND_JWT_SECRET", "short"),
    ("REFUND_JWT_SECRET", "CHANGE_ME_TO_64_RANDOM_CHARACTERS"), ("REFUND_RASA_TOKEN", "CHANGE_ME_TOO"),
    ("REFUND_ACTION_TOKEN", "CHANGE_ME_AS_WELL"),
    ("REFUND_DB_URL", "postgresql+psycopg2://refund:CHANGE_ME@db.internal:5432/refund"),
    ("REFUND_REDIS_URL", "redis://:change_me@redis:6379/0"),
])
def test_production_refuses_defaults_placeholders_and_short_secrets(env, name, value):
    env("production", **{**GOOD, name: value})
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_env_example_placeholders_are_refused_as_they_stand(env, monkeypatch):
    from bot.settings import PROJECT_ROOT

    for line in (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError):
        load_settings()


def test_production_accepts_private_values(env):
    env("production", **GOOD)
    assert load_settings().action_token == GOOD["REFUND_ACTION_TOKEN"]
