"""Every variable is read, typed and checked in one place (bot/settings.py), and the README's
configuration table names each one."""
import re

import pytest

from bot.settings import PROJECT_ROOT, SettingsError, load_settings

SOURCES = [*(PROJECT_ROOT / "bot").rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py")]


def test_no_module_but_settings_reads_the_environment():
    readers = [str(path.relative_to(PROJECT_ROOT)) for path in SOURCES
               if path.name != "settings.py" and re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))]
    assert readers == []


def test_the_readme_table_names_every_variable_settings_reads():
    names = set(re.findall(r'"((?:REFUND|SANIC)_[A-Z0-9_]+)"', (PROJECT_ROOT / "bot" / "settings.py").read_text("utf-8")))
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    assert len(names) > 25
    assert sorted(name for name in names if f"`{name}`" not in table) == []


@pytest.mark.parametrize("name, value, says", [
    ("REFUND_WEB_PORT", "70000", "port number"),
    ("REFUND_ACTIONS_PORT", "abc", "whole number"),
    ("REFUND_HANDOFF_SWEEP_SECONDS", "0", "seconds"),
    ("REFUND_HANDOFF_SWEEP_SECONDS", "soon", "number of seconds"),
    ("REFUND_MESSAGES_PER_MINUTE", "-3", "positive"),
    ("REFUND_RETENTION_DAYS", "0", "positive"),
    ("REFUND_WIDGET_MESSAGE_DELAY_MS", "fast", "0 or a positive whole number"),
    ("REFUND_AGENT_CAPACITY", "0", "positive"),
    ("REFUND_AGENT_CAPACITY", "50", "between 1 and 20"),
    ("REFUND_AUTO_ASSIGN", "maybe", "on or off"),
    ("REFUND_LONG_WAIT_SECONDS", "-5", "seconds"),
])
def test_bad_values_are_refused_with_the_variable_named(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"{name}.*{says}"):
        load_settings()


def test_defaults_and_overrides(monkeypatch):
    for name in ("REFUND_REDIS_URL", "REFUND_TRACKER_DB_URL", "REFUND_WEB_PORT", "REFUND_HANDOFF_SWEEP_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.redis_url is None and settings.tracker_db_url is None and settings.web_port == 8000
    monkeypatch.setenv("REFUND_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("REFUND_HANDOFF_SWEEP_SECONDS", "2.5")
    settings = load_settings()
    assert settings.redis_url == "redis://127.0.0.1:6379/3" and settings.handoff_sweep_seconds == 2.5
    monkeypatch.setenv("REFUND_AUTO_ASSIGN", "on")
    monkeypatch.setenv("REFUND_AGENT_CAPACITY", "5")
    settings = load_settings()
    assert settings.auto_assign is True and settings.agent_capacity == 5
