"""The carried-on history (bot/channels/tracker_history.py) agrees with Rasa's own
`applied_events` and `past_states` on every prefix of conversations with forms, rejections,
reverts, restarts and new sessions, and fails if a Rasa upgrade changes what it stands in for."""
import contextlib
import hashlib
import inspect
import random

import pytest
import rasa
from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import tracker_history
from bot.settings import PROJECT_ROOT

RASA_VERSION = "3.6.21"
SOURCES_SHA256 = {
    "applied_events": "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
    "past_states": "5463eefb5c69d27f82cdc7eca84e23b4b82851e9a5ff575bd02447d4d987103b",
    "states_for_tracker_history": "035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7",
    "generate_all_prior_trackers": "a1f6954347b52649a7b1054741338997d2369197d91acb2eab7f6b11d3855ed1",
}
RULE_ONLY = {"slots": ["paused_form"], "loops": ["supplement_form"]}
OPTIONS = [(False, False, None), (True, False, None), (False, True, RULE_ONLY), (True, True, RULE_ONLY)]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@contextlib.contextmanager
def rasa_own():
    """Rasa's methods, for the reference figures."""
    patched = DialogueStateTracker.applied_events, DialogueStateTracker.past_states
    DialogueStateTracker.applied_events = tracker_history.RASA_APPLIED_EVENTS
    DialogueStateTracker.past_states = tracker_history.RASA_PAST_STATES
    try:
        yield
    finally:
        DialogueStateTracker.applied_events, DialogueStateTracker.past_states = patched


@pytest.fixture(autouse=True)
def installed():
    before = DialogueStateTracker.applied_events, DialogueStateTracker.past_states
    tracker_history.install()
    yield
    DialogueStateTracker.applied_events, DialogueStateTracker.past_states = before


def user(intent, text="好的"):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, parse_data={"intent": {"name": intent}})


def random_events(rng, length):
    """A conversation-shaped random walk over the events Rasa writes."""
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    forms = ["refund_form", "supplement_form"]
    for _ in range(length):
        kind = rng.random()
        if kind < 0.30:
            events += [user(rng.choice(["request_refund", "inform", "affirm", "deny", "greet"])),
                       ActionExecuted(rng.choice(["action_handle_inform", "utter_greet", "action_refund_status"]),
                                      hide_rule_turn=rng.random() < 0.3), BotUttered(f"回复{rng.randint(1, 9)}")]
        elif kind < 0.45:
            form = rng.choice(forms)
            events += [ActionExecuted(form), ActiveLoop(form), SlotSet("requested_slot", "order_id")]
        elif kind < 0.55:
            events += [SlotSet(rng.choice(["order_id", "refund_reason", "paused_form"]), str(rng.randint(1, 9)))]
        elif kind < 0.62:
            events += [ActionExecutionRejected(rng.choice(forms))]
        elif kind < 0.70:
            events += [ActionExecuted(rng.choice(forms)), ActiveLoop(None), SlotSet("requested_slot", None)]
        elif kind < 0.76:
            events += [UserUtteranceReverted()]
        elif kind < 0.80:
            events += [ActionReverted()]
        elif kind < 0.83:
            events += [Restarted(), ActionExecuted("action_session_start"), SessionStarted()]
        elif kind < 0.86:
            events += [ActiveLoop("a_form_seen_late")]
        events.append(ActionExecuted("action_listen"))
    return events


def reference(domain, events, options):
    with rasa_own():
        fresh = DialogueStateTracker.from_events("ref", events, domain.slots)
        return fresh.applied_events(), fresh.past_states(domain, *options)


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_rasa_on_every_prefix(domain, seed):
    rng = random.Random(seed)
    events = random_events(rng, 40)
    tracker = DialogueStateTracker("c", domain.slots)
    for n, event in enumerate(events, 1):
        tracker.update(event)
        if n % 3 and n != len(events):
            continue  # a few events at a time, as a message appends them
        for options in OPTIONS:
            applied, states = reference(domain, events[:n], options)
            assert [id(e) for e in tracker.applied_events()] == [id(e) for e in applied]
            assert tracker.past_states(domain, *options) == states, (seed, n, options)


def test_callers_may_change_what_they_receive(domain):
    tracker = DialogueStateTracker.from_events("c", random_events(random.Random(99), 30), domain.slots)
    first = tracker.past_states(domain)
    for state in first:
        state.clear()
    tracker.applied_events().clear()
    assert tracker.past_states(domain) == reference(domain, list(tracker.events), (False, False, None))[1]


def test_a_replaced_event_list_is_read_afresh(domain):
    events = random_events(random.Random(7), 20)
    tracker = DialogueStateTracker.from_events("c", events, domain.slots)
    tracker.past_states(domain)
    other = random_events(random.Random(8), 20)
    tracker.events = tracker._create_events(other)
    assert tracker.past_states(domain) == reference(domain, other, (False, False, None))[1]


def test_featurizers_see_the_same_prediction_states(domain):
    events = random_events(random.Random(3), 60)
    tracker = DialogueStateTracker.from_events("c", events, domain.slots)
    for max_history in (None, 4):
        featurizer = MaxHistoryTrackerFeaturizer(max_history=max_history)
        for text in (False, True):
            ours = featurizer.prediction_states([tracker], domain, text, True, RULE_ONLY)
            with rasa_own():
                fresh = DialogueStateTracker.from_events("ref", events, domain.slots)
                theirs = featurizer.prediction_states([fresh], domain, text, True, RULE_ONLY)
            assert ours == theirs


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    tracker_history.install()
    assert DialogueStateTracker.past_states is tracker_history.past_states


def test_rasa_still_has_the_methods_this_replaces():
    assert rasa.__version__ == RASA_VERSION
    sources = {
        "applied_events": tracker_history.RASA_APPLIED_EVENTS,
        "past_states": tracker_history.RASA_PAST_STATES,
        "states_for_tracker_history": tracker_history.RASA_STATES_FOR_HISTORY,
        "generate_all_prior_trackers": DialogueStateTracker.generate_all_prior_trackers,
    }
    digests = {name: hashlib.sha256(inspect.getsource(f).encode()).hexdigest() for name, f in sources.items()}
    assert digests == SOURCES_SHA256
