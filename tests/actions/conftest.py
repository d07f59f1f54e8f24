"""Tracker fixtures for calling the actions directly, over a seeded SQLite database."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import wiring
from bot.security.identity import sign_identity
from bot.settings import PROJECT_ROOT, load_settings
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A seeded database that the actions' process-wide service uses."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    monkeypatch.setenv("REFUND_DB_URL", url)
    monkeypatch.setenv("REFUND_ENV", "development")
    monkeypatch.setenv("REFUND_DEMO_CUSTOMER", "c1001")
    monkeypatch.setenv("REFUND_UPLOAD_DIR", str(tmp_path / "uploads"))
    wiring.reset()
    yield sessions
    wiring.reset()
    engine.dispose()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(slots: Optional[Dict[str, Any]] = None, text: str = "", intent: str = "inform",
                 entities: Optional[List[Dict[str, Any]]] = None, channel: str = "rest",
                 metadata: Optional[Dict[str, Any]] = None, active_loop: Optional[str] = None,
                 sender: str = "conv-1", extracted: Optional[Dict[str, Any]] = None,
                 customer: Optional[str] = "c1001") -> Tracker:
    """A tracker whose latest message came through `channel` with `metadata` and, unless
    `customer` is None, the identity claim our channels sign for that customer.

    `extracted` slots are set after that message, as action_extract_slots would: those are
    the ones a form validation action validates.
    """
    if customer is not None:
        metadata = {**(metadata or {}), **sign_identity(load_settings().jwt_secret, sender, customer, channel)}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": entities or [], "metadata": metadata or {}}
    events = [{"event": "user", "text": text, "parse_data": latest,
               "input_channel": channel, "metadata": metadata or {}}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (extracted or {}).items()]
    return Tracker(sender, {**(slots or {}), **(extracted or {})}, latest, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)
