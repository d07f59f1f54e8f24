"""Secrets: public development defaults only in development; production refuses defaults,
placeholders, short values, any published development or test value in any variable, and one
value used twice; `test` must set them explicitly; REFUND_ENV itself has no default."""
import subprocess
import sys

import pytest

from bot.settings import (
    DEV_ACTION_TOKEN,
    DEV_RASA_TOKEN,
    DEV_SECRET,
    PROJECT_ROOT,
    PUBLISHED_SECRETS,
    SettingsError,
    load_settings,
)

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


@pytest.mark.parametrize("name", sorted(GOOD))
@pytest.mark.parametrize("published", sorted(PUBLISHED_SECRETS))
def test_production_refuses_every_published_value_in_every_variable(env, name, published):
    """A development or test secret swapped into another variable is still a public value."""
    env("production", **{**GOOD, name: published})
    with pytest.raises(SettingsError, match=name):
        load_settings()


@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("same", [("REFUND_JWT_SECRET", "REFUND_RASA_TOKEN"), ("REFUND_RASA_TOKEN", "REFUND_ACTION_TOKEN"),
                                  ("REFUND_JWT_SECRET", "REFUND_ACTION_TOKEN"), tuple(sorted(GOOD))])
def test_one_value_may_not_serve_as_two_secrets(env, environment, same):
    shared = "s" * 48
    env(environment, **{**GOOD, **{name: shared for name in same}})
    with pytest.raises(SettingsError, match="must be different"):
        load_settings()


def test_an_unset_environment_is_refused_not_taken_for_development(env, monkeypatch):
    monkeypatch.delenv("REFUND_ENV", raising=False)
    with pytest.raises(SettingsError, match="REFUND_ENV must be set"):
        load_settings()


def test_a_service_started_without_refund_env_stops_with_the_reason(tmp_path):
    """The website, started the way a careless deployment would (no REFUND_ENV, no secrets),
    refuses to start instead of serving with the public development secrets."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "REFUND_DB_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "REFUND_ENV must be set" in result.stderr


@pytest.mark.parametrize("target", ["run", "test", "shell"])
def test_the_developer_commands_say_development_and_the_operator_commands_do_not(target):
    """`make run` and `make test` set REFUND_ENV=development explicitly; `make staff`,
    `make migrate`, `make db`, `make web` and `make retention` leave it to the operator."""
    printed = subprocess.run(["make", "-n", "-p", target], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             timeout=60, env={"PATH": "/usr/bin:/bin"}).stdout
    assert f"{target}: REFUND_ENV = development" in printed
    for operator_target in ("staff", "migrate", "db", "web", "retention"):
        assert f"\n{operator_target}: REFUND_ENV" not in printed
