"""Copies of a conversation's tracker made from its state, not by replaying every event.

Rasa 3.6.21 copies the tracker before every action (`MessageProcessor._run_action` calls
`tracker.copy()`, which replays all events on a fresh tracker) and rebuilds it once more for
each form validation (`FormAction._temporary_tracker` replays every event since the last
restart): two costs per action that grow with the conversation's length.

A tracker's state (slots, pause, follow-up action, latest action, message and bot utterance,
active loop) is by Rasa's own rule "re-creatable by processing all the events", and trackers are
only ever changed through events, so the state of the original is the state the replay would
reach. The copy takes it directly and shares the event objects, as the replay does. Trackers
with a bounded event history (the replay would lose what fell off) and form validation after a
restart (only later events are replayed) take Rasa's own path.

Applied by our channels' modules, like the other patches in this package;
`tests/channels/test_tracker_copies.py` compares both copies with Rasa's on conversations with
forms, rejections, reverts and restarts, and fails if Rasa changes what is replaced.
"""
from __future__ import annotations

import dataclasses
from typing import List

from rasa.core.actions.forms import FormAction
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

RASA_COPY = DialogueStateTracker.copy
RASA_TEMPORARY_TRACKER = FormAction._temporary_tracker


def _take_state(source: DialogueStateTracker, target: DialogueStateTracker) -> None:
    """Give `target` (fresh, no events) the events and the event-made state of `source`."""
    target.events.extend(source.events)
    for name, slot in target.slots.items():
        original = source.slots.get(name)
        if original is not None:
            slot._value, slot._has_been_set = original._value, original._has_been_set
    target._paused = source._paused
    target.followup_action = source.followup_action
    target.latest_action = dict(source.latest_action) if source.latest_action is not None else None
    target.latest_message = source.latest_message
    target.latest_bot_utterance = source.latest_bot_utterance
    target.active_loop = dataclasses.replace(source.active_loop) if source.active_loop else None


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Rasa's `DialogueStateTracker.copy`, taking the state instead of replaying the events."""
    if self._max_event_history is not None:
        return RASA_COPY(self)
    duplicate = self.init_copy()
    _take_state(self, duplicate)
    return duplicate


def temporary_tracker(self: FormAction, current_tracker: DialogueStateTracker,
                      additional_events: List[Event], domain: Domain) -> DialogueStateTracker:
    """Rasa's `FormAction._temporary_tracker` (the tracker the form's validation action sees),
    starting from the current state instead of replaying every event."""
    if current_tracker._max_event_history is not None or any(type(e) is Restarted for e in current_tracker.events):
        return RASA_TEMPORARY_TRACKER(self, current_tracker, additional_events, domain)
    tracker = DialogueStateTracker(current_tracker.sender_id, domain.slots)
    _take_state(current_tracker, tracker)
    # the same events Rasa appends after the history, applied the same way
    for event in [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)),
                  ActionExecuted(self.name()), *additional_events]:
        tracker.update(event)
    return tracker


def install() -> None:
    """Use the state-taking copies in this process (idempotent)."""
    DialogueStateTracker.copy = copy
    FormAction._temporary_tracker = temporary_tracker
