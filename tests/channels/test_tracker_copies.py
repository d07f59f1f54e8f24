"""Tracker copies taken from the state (bot/channels/tracker_copies.py) equal Rasa's replayed
copies on every prefix of conversations with forms, rejections, reverts and restarts, and the
guard that fails if a Rasa upgrade changes what they stand in for."""
import hashlib
import inspect
import random

import pytest
import rasa
from rasa.core.actions.forms import FormAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.channels import tracker_copies
from bot.settings import PROJECT_ROOT
from tests.channels.test_tracker_history import random_events

DIGESTS = ["dfa48dca9f355ad1", "381bc4b6e07fc205", "09d16f28f007492f", "8f39eb22462aa62b", "190858eaf560a0c0"]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def state(tracker, new_events=0):
    """Everything a replay re-creates, plus the events themselves (by identity, except the
    `new_events` a temporary tracker adds, which each side creates at its own time)."""
    current = tracker.current_state(EventVerbosity.ALL)
    current.pop("latest_event_time")
    for event in current["events"][len(current["events"]) - new_events:]:
        event.pop("timestamp")
    message = tracker.latest_message
    kept = len(tracker.events) - new_events
    return {"current": current,
            "slots": {n: (s.value, s._has_been_set) for n, s in tracker.slots.items()},
            "paused": tracker._paused, "followup": tracker.followup_action, "latest_action": tracker.latest_action,
            "latest_message": (message.text, message.intent, message.entities, message.use_text_for_featurization,
                               message.parse_data if message.text else None),
            "latest_message_event": id(message) if any(message is e for e in tracker.events) else None,
            "bot": tracker.latest_bot_utterance, "loop": tracker.active_loop,
            "events": [id(e) for e in list(tracker.events)[:kept]],
            "meta": (tracker.sender_id, tracker.is_rule_tracker, tracker.model_id, tracker._max_event_history)}


@pytest.mark.parametrize("seed", range(10))
def test_copies_equal_rasas_replayed_copies(domain, seed):
    events = random_events(random.Random(seed), 40)
    tracker = DialogueStateTracker("c", domain.slots)
    form = FormAction("refund_form", None)
    for n, event in enumerate(events, 1):
        tracker.update(event)
        if n % 4:
            continue
        assert state(tracker_copies.copy(tracker)) == state(tracker_copies.RASA_COPY(tracker)), (seed, n)
        extra = [SlotSet("order_id", f"{n}")]
        ours = tracker_copies.temporary_tracker(form, tracker, extra, domain)
        theirs = tracker_copies.RASA_TEMPORARY_TRACKER(form, tracker, extra, domain)
        assert state(ours, len(extra) + 2) == state(theirs, len(extra) + 2), (seed, n)


def test_a_copy_is_independent_of_the_original(domain):
    tracker = DialogueStateTracker.from_events("c", random_events(random.Random(5), 30), domain.slots)
    tracker.change_loop_to("refund_form")
    duplicate = tracker_copies.copy(tracker)
    duplicate.interrupt_loop(True)
    duplicate.update(SlotSet("order_id", "changed in the copy"))
    assert not tracker.active_loop.is_interrupted and tracker.get_slot("order_id") != "changed in the copy"
    assert len(duplicate.events) == len(tracker.events) + 1


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    tracker_copies.install()
    assert DialogueStateTracker.copy is tracker_copies.copy
    assert FormAction._temporary_tracker is tracker_copies.temporary_tracker


def test_rasa_still_has_the_methods_this_replaces():
    assert rasa.__version__ == "3.6.21"
    sources = [tracker_copies.RASA_COPY, tracker_copies.RASA_TEMPORARY_TRACKER,
               DialogueStateTracker.travel_back_in_time, DialogueStateTracker.__init__, DialogueStateTracker._reset]
    digests = [hashlib.sha256(inspect.getsource(f).encode()).hexdigest()[:16] for f in sources]
    assert digests == DIGESTS
