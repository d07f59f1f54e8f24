"""Rasa 3.6.21 finds the class of every stored event by walking all subclasses of `Event`
(recursively, checking each for abstractness) once per event: rebuilding a tracker of n events
costs n such walks, and Rasa rebuilds the whole tracker on every message, so the cost per
message grew with the length of the conversation (py-spy: tracker deserialisation ~30% of the
Rasa server's CPU on a 70-turn conversation). This keeps the class found for each event name,
so each walk happens once per process; names it has not seen still take Rasa's own path
(with its fallbacks and errors).

Applied by our channels' modules, like bot.channels.action_validation;
`tests/channels/test_event_types.py` fails if Rasa changes the method it replaces.
"""
from __future__ import annotations

from typing import Dict, Optional, Text, Type

import rasa.shared.utils.common
from rasa.shared.core.events import Event

RASA_ORIGINAL = Event.resolve_by_type
_FOUND: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa's `Event.resolve_by_type`, remembering each class it finds."""
    found = _FOUND.get(type_name)
    if found is not None:
        return found
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        if cls.type_name == type_name:
            _FOUND[type_name] = cls
            return cls
    return RASA_ORIGINAL(type_name, default)


def install() -> None:
    """Use the remembering lookup in this process (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)
