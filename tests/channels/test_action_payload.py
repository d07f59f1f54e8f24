"""Action calls carry the newest events only and the domain only where it is needed, and the
guard that fails when a Rasa upgrade changes what the replacement stands in for."""
import hashlib
import inspect

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot.channels import action_payload
from bot.settings import PROJECT_ROOT

RASA_VERSION = "3.6.21"
METHOD_SHA256 = "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492"


def long_tracker(domain, turns=200):
    events = []
    for n in range(turns):
        events += [ActionExecuted("action_listen"), UserUttered(f"第{n}句", {"name": "inform", "confidence": 1.0}),
                   ActionExecuted("action_handle_inform")]
    events.append(SlotSet("order_id", "2026112400010001"))
    return DialogueStateTracker.from_events("c", events, domain.slots)


def test_rasa_still_has_the_method_this_replaces():
    assert rasa.__version__ == RASA_VERSION
    source = inspect.getsource(action_payload.RASA_ORIGINAL)
    assert hashlib.sha256(source.encode()).hexdigest() == METHOD_SHA256


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    assert RemoteAction._action_call_format is action_payload.action_call_format


def test_same_state_newest_events_and_domain_only_for_form_validation():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = long_tracker(domain)
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    original = action_payload.RASA_ORIGINAL(RemoteAction("action_refund_status", endpoint), tracker, domain)
    lighter = action_payload.action_call_format(RemoteAction("action_refund_status", endpoint), tracker, domain)
    assert {k: v for k, v in lighter["tracker"].items() if k != "events"} == \
        {k: v for k, v in original["tracker"].items() if k != "events"}
    assert lighter["tracker"]["events"] == original["tracker"]["events"][-action_payload.MAX_EVENTS:]
    assert len(original["tracker"]["events"]) > 600 and "domain" not in lighter
    form = action_payload.action_call_format(RemoteAction("validate_refund_form", endpoint), tracker, domain)
    assert form["domain"] == domain.as_dict()
    assert tracker.current_state(EventVerbosity.NONE)["slots"]["order_id"] == "2026112400010001"


def test_the_turn_reader_gets_the_state_and_no_events():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    tracker = long_tracker(domain)
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    original = action_payload.RASA_ORIGINAL(RemoteAction("action_read_turn", endpoint), tracker, domain)
    lighter = action_payload.action_call_format(RemoteAction("action_read_turn", endpoint), tracker, domain)
    assert lighter["tracker"]["events"] == [] and "domain" not in lighter
    assert {k: v for k, v in lighter["tracker"].items() if k != "events"} == \
        {k: v for k, v in original["tracker"].items() if k != "events"}
    assert lighter["tracker"]["latest_message"]["text"] == "第199句"
