"""Identity comes only from the claim our channels sign; channel names, `user_id` metadata,
typed ids and slots change nothing."""
from datetime import timedelta

from rasa_sdk.events import SlotSet

from actions.conversation import ActionCheckCustomer
from actions.identity import customer_id
from bot.clock import utcnow
from bot.security.identity import sign_identity
from bot.settings import load_settings
from tests.actions.conftest import make_tracker


def test_a_signed_claim_names_the_customer(db):
    assert customer_id(make_tracker(channel="refund_socket", customer="c1002")) == "c1002"
    assert customer_id(make_tracker(channel="rest")) == "c1001"


def test_claimed_channel_and_metadata_without_a_signed_claim_are_a_guest(db):
    """What Rasa's REST channel passes through from any client (the hole this closes)."""
    claimed = {"user_id": "c1002", "auth_verified": True}
    for channel in ("refund_socket", "rest", "cmdline", "socketio"):
        assert customer_id(make_tracker(channel=channel, metadata=claimed, customer=None)) is None, channel


def test_forged_expired_and_foreign_conversation_claims_are_a_guest(db):
    secret = load_settings().jwt_secret
    forged = sign_identity("x" * 40, "conv-1", "c1002", "refund_socket")
    expired = sign_identity(secret, "conv-1", "c1002", "refund_socket", now=utcnow() - timedelta(hours=1))
    elsewhere = sign_identity(secret, "another-conversation", "c1002", "refund_socket")
    for metadata in (forged, expired, elsewhere, {"refund_identity": "garbage"}, {"refund_identity": 42}):
        assert customer_id(make_tracker(channel="refund_socket", metadata=metadata, customer=None)) is None


def test_a_guest_claim_is_a_guest(db):
    guest = sign_identity(load_settings().jwt_secret, "conv-1", None, "refund_socket")
    assert customer_id(make_tracker(channel="refund_socket", metadata=guest, customer=None)) is None


def test_typed_ids_and_slots_are_ignored(db):
    tracker = make_tracker(channel="rest", slots={"user_id": "c1002"},
                           entities=[{"entity": "user_id", "value": "c1002"}],
                           metadata={"user_id": "c1002", "auth_verified": True})
    assert customer_id(tracker) == "c1001"


def test_check_customer_sets_exactly_one_slot(db, dispatcher):
    events = ActionCheckCustomer().run(dispatcher, make_tracker(channel="rest"), {})
    assert events == [SlotSet("customer_known", True)]
    events = ActionCheckCustomer().run(dispatcher, make_tracker(channel="socketio", customer=None), {})
    assert events == [SlotSet("customer_known", False)] and dispatcher.messages == []


def test_a_triggered_turn_takes_the_claim_the_website_signed_as_an_entity(db):
    """The website's trigger after an upload cannot carry metadata: its claim rides as an entity,
    read only on an external turn (which only Rasa's token-protected API makes)."""
    secret = load_settings().jwt_secret
    claim = sign_identity(secret, "conv-1", "c1002", "upload")["refund_identity"]
    external = {"is_external": True}
    as_entity = [{"entity": "refund_identity", "value": claim}]
    assert customer_id(make_tracker(metadata=external, entities=as_entity, customer=None)) == "c1002"
    # Typed by a customer (not external), the same entity names nobody.
    assert customer_id(make_tracker(entities=as_entity, customer=None)) is None
    elsewhere = sign_identity(secret, "another-conversation", "c1002", "upload")["refund_identity"]
    for entities in ([], [{"entity": "refund_identity", "value": elsewhere}],
                     [{"entity": "refund_identity", "value": "garbage"}]):
        assert customer_id(make_tracker(metadata=external, entities=entities, customer=None)) is None
