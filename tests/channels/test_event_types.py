"""The remembering event-class lookup: Rasa's answers, without the walk per event, and a guard
that fails when a Rasa upgrade changes what it replaces."""
import hashlib
import inspect
import time

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

from bot.channels import event_types

METHOD_SHA256 = "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968"  # rasa 3.6.21


def test_rasa_still_has_the_method_this_replaces():
    assert hashlib.sha256(inspect.getsource(event_types.RASA_ORIGINAL).encode()).hexdigest() == METHOD_SHA256


def test_installed_by_the_channels():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    assert Event.resolve_by_type is event_types.resolve_by_type


@pytest.mark.parametrize("name,cls", [("user", UserUttered), ("bot", BotUttered), ("action", ActionExecuted),
                                      ("slot", SlotSet)])
def test_same_classes_as_rasa(name, cls):
    assert event_types.resolve_by_type(name) is event_types.RASA_ORIGINAL(name) is cls


def test_unknown_names_keep_rasas_fallbacks():
    assert event_types.resolve_by_type("topic") is None
    assert event_types.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        event_types.resolve_by_type("no_such_event")


def test_events_round_trip_and_cost_less():
    events = [UserUttered("你好", {"name": "greet"}), BotUttered("您好"), ActionExecuted("action_listen"),
              SlotSet("order_id", "2026112400010001")] * 50
    dicts = [e.as_dict() for e in events]
    assert [Event.from_parameters(d) for d in dicts] == events

    def cpu(resolve):
        started = time.process_time()
        for d in dicts:
            resolve(d["event"])
        return time.process_time() - started

    assert cpu(event_types.resolve_by_type) * 5 < cpu(event_types.RASA_ORIGINAL)
