"""What Rasa 3.6.21 sends the action server on every action call: `RemoteAction._action_call_format`
serialises the conversation's *whole* event history (`EventVerbosity.ALL`) and, unless the
endpoint enables the selective domain, the whole domain. Both are rebuilt as dicts, encoded and
decoded again on every call, so the cost of a message grows with the length of the
conversation.

This replacement sends the same state (slots, latest message, active loop, latest action: all
computed by Rasa, not from the events) with only the newest `MAX_EVENTS` events — our actions
read at most the last six customer messages and the last two intents, and rasa-sdk's form
validation reads back only to the latest user message — and sends the domain, built once per
model, to the actions that need it (the `validate_*` form actions with `enable_selective_domain`).

Applied by our channels' modules (Rasa loads them in every server process). Written against
Rasa 3.6.21: `tests/channels/test_action_payload.py` fails if Rasa's method changes.
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.trackers import EventVerbosity

RASA_ORIGINAL = RemoteAction._action_call_format
# Newest events sent with each action call: a few turns, far more than any action reads.
MAX_EVENTS = 100
# Actions that read the state only (slots, the latest message, the active loop), never the events:
# the turn reader runs after every customer message, so it gets none.
STATE_ONLY_ACTIONS = frozenset({"action_read_turn"})
_domains: Dict[int, Any] = {}


def _domain_dict(domain: Any) -> Dict[Text, Any]:
    """`domain.as_dict()`, built once per domain object (one per loaded model)."""
    cached = _domains.get(id(domain))
    if cached is None or cached[0] is not domain:
        _domains.clear()  # a new model replaced the old one
        cached = _domains[id(domain)] = (domain, domain.as_dict())
    return cached[1]


def action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[Text, Any]:
    """Rasa's action call, with the newest events only and the domain built once."""
    state = tracker.current_state(EventVerbosity.NONE)
    events = tracker.events
    newest = 0 if self._name in STATE_ONLY_ACTIONS else MAX_EVENTS
    state["events"] = [e.as_dict() for e in itertools.islice(events, max(0, len(events) - newest), None)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = _domain_dict(domain)
    return result


def install() -> None:
    """Use the lighter action call in this process (idempotent)."""
    RemoteAction._action_call_format = action_call_format
