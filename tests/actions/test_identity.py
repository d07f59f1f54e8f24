"""Identity comes from trusted channel metadata only; typed ids and customData change nothing."""
from rasa_sdk.events import SlotSet

from actions.conversation import ActionCheckCustomer
from actions.identity import customer_id
from tests.actions.conftest import make_tracker


def test_demo_customer_on_rest_in_development(db):
    assert customer_id(make_tracker(channel="rest")) == "c1001"
    assert customer_id(make_tracker(channel="cmdline")) == "c1001"


def test_no_demo_customer_in_production(db, monkeypatch):
    monkeypatch.setenv("REFUND_ENV", "production")
    monkeypatch.setenv("REFUND_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("REFUND_RASA_TOKEN", "a-private-token")
    assert customer_id(make_tracker(channel="rest")) is None


def test_trusted_channel_needs_verified_metadata(db):
    verified = {"user_id": "c1002", "auth_verified": True}
    assert customer_id(make_tracker(channel="refund_socket", metadata=verified)) == "c1002"
    assert customer_id(make_tracker(channel="refund_socket", metadata={"user_id": "c1002"})) is None


def test_client_controlled_metadata_and_slots_are_ignored(db):
    injected = {"user_id": "c1002", "auth_verified": True}
    # The stock socket.io channel passes customData straight through: never trusted.
    assert customer_id(make_tracker(channel="socketio", metadata=injected)) is None
    # A typed /inform{"user_id": ...} lands in slots/entities, which identity never reads.
    tracker = make_tracker(channel="rest", slots={"user_id": "c1002"},
                           entities=[{"entity": "user_id", "value": "c1002"}], metadata=injected)
    assert customer_id(tracker) == "c1001"


def test_check_customer_sets_exactly_one_slot(db, dispatcher):
    events = ActionCheckCustomer().run(dispatcher, make_tracker(channel="rest"), {})
    assert events == [SlotSet("customer_known", True)]
    events = ActionCheckCustomer().run(dispatcher, make_tracker(channel="socketio"), {})
    assert events == [SlotSet("customer_known", False)] and dispatcher.messages == []
