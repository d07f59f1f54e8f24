"""The keeping tracker stores give a message the tracker saved last only while it is exactly
what the store holds, on one instance and across instances sharing PostgreSQL."""
import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.channels.tracker_stores import KeepingInMemoryTrackerStore, KeepingSQLTrackerStore, KeptTrackers
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def run(coroutine):
    """Run on a thread of its own: another test may leave an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def start_session():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def turn(text, order_id):
    return [UserUttered(text, {"name": "inform", "confidence": 0.9}), SlotSet("order_id", order_id),
            ActionExecuted("action_handle_inform"), ActionExecuted("action_listen")]


def message(store, sender_id, events):
    """What Rasa's processor does with one message: retrieve (or create), add events, save."""
    async def handle():
        tracker = await store.get_or_create_tracker(sender_id, append_action_listen=False)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        return tracker
    return run(handle())


def same(a, b):
    return a.current_state(EventVerbosity.ALL) == b.current_state(EventVerbosity.ALL)


def test_the_next_message_gets_the_saved_tracker_once(domain):
    store = KeepingInMemoryTrackerStore(domain)
    message(store, "c", start_session() + turn("订单", "1"))
    second = message(store, "c", turn("还是这个", "2"))
    kept = run(store.retrieve("c"))
    assert kept is second  # no rebuild
    rebuilt = run(store.retrieve("c"))
    assert rebuilt is not second and same(rebuilt, second)
    assert rebuilt.get_slot("order_id") == "2"


def test_a_tracker_changed_after_saving_is_not_given_out(domain):
    store = KeepingInMemoryTrackerStore(domain)
    message(store, "c", start_session() + turn("订单", "1"))
    saved = message(store, "c", turn("换一个", "2"))
    saved.update(SlotSet("order_id", "never saved"))
    again = run(store.retrieve("c"))
    assert again is not saved and again.get_slot("order_id") == "2"


def test_a_new_session_is_read_from_the_store_as_rasa_does(domain):
    store = KeepingInMemoryTrackerStore(domain)
    message(store, "c", start_session() + turn("订单", "1"))
    message(store, "c", turn("还在吗", "1"))
    message(store, "c", start_session() + turn("新的一天", "3"))
    tracker = run(store.retrieve("c"))
    assert [e.action_name for e in tracker.events if isinstance(e, ActionExecuted)].count("action_session_start") == 1
    assert same(tracker, run(KeepingInMemoryTrackerStore.retrieve(store, "c")))


def test_the_keep_is_bounded():
    kept = KeptTrackers(capacity=2)
    trackers = [DialogueStateTracker(f"c{n}", []) for n in range(3)]
    for tracker in trackers:
        tracker.__dict__["_refund_events_when_retrieved"] = 0
        kept.keep(tracker)
    assert kept.take("c0") is None and kept.take("c2") is trackers[2]


@pytest.fixture
def postgres_stores(domain):
    options = dict(dialect="postgresql", host="127.0.0.1", port=5432, db="test", username="postgres")
    first, second = KeepingSQLTrackerStore(domain, **options), KeepingSQLTrackerStore(domain, **options)
    yield first, second
    first.engine.dispose()
    second.engine.dispose()


def test_another_instance_writing_the_conversation_is_noticed(postgres_stores):
    first, second = postgres_stores
    sender = f"tracker-store-{uuid.uuid4().hex}"
    message(first, sender, start_session() + turn("订单", "1"))
    saved_here = message(first, sender, turn("是这个", "1"))
    message(second, sender, turn("另一个实例收到", "9"))  # the load balancer sent this one elsewhere
    latest = run(first.retrieve(sender))
    assert latest is not saved_here and latest.get_slot("order_id") == "9"
    again_here = message(first, sender, turn("回到第一个实例", "5"))
    assert run(first.retrieve(sender)) is again_here
    full = run(second.retrieve_full_tracker(sender))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["订单", "是这个", "另一个实例收到", "回到第一个实例"]


def test_the_stored_text_is_rasas_own_encoding(domain):
    store = KeepingInMemoryTrackerStore(domain)
    message(store, "c", start_session() + turn("订单", "1"))
    tracker = message(store, "c", turn("第二句", "2"))
    rebuilt = run(store.retrieve_full_tracker("c"))
    assert json.loads(store.store["c"]) == json.loads(KeepingInMemoryTrackerStore.serialise_tracker(tracker))
    assert same(rebuilt, tracker) and list(run(store.keys())) == ["c"]
    other = DialogueStateTracker.from_events("c", list(rebuilt.events) + turn("另一个对象保存", "7"), domain.slots)
    run(store.save(other))  # a tracker rebuilt elsewhere (the HTTP API) saving the same conversation
    message(store, "c", turn("第四句", "4"))
    texts = [e.text for e in run(store.retrieve_full_tracker("c")).events if isinstance(e, UserUttered)]
    assert texts == ["订单", "第二句", "另一个对象保存", "第四句"]
