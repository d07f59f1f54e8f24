"""Tracker stores that hand the next message the tracker this process saved last, instead of
rebuilding it from the stored events.

Rasa 3.6.21 rebuilds the whole conversation on every message (decode every stored event,
replay it on a fresh tracker): linear in the conversation's length, and on a 70-turn
conversation the largest single cost of a message (py-spy, about a third of the Rasa server's
CPU). Events are stored exactly as before, and every reader that wants the stored history
(`retrieve_full_tracker`, the HTTP API, transcripts, retention) still reads it from the store.

Only `retrieve` (what the message processor calls, holding the conversation's lock) may receive
the kept tracker, and only once: it is taken out of the keep, so no two holders share it, and it
is given only while it is exactly what was stored:
- its events are the ones it had when saved (same count, same newest event object);
- no other process stored events for the conversation since (the SQL store compares the newest
  event id, so several Rasa instances behind a load balancer stay correct);
- it holds one conversation session, as Rasa's `retrieve` returns (a tracker that started a new
  session while this process held it is rebuilt from the store next time).
Anything else reads the store as Rasa does. Configured in endpoints.yml / endpoints.prod.yml.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterable, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

# Conversations kept per process: each costs its tracker and its carried-on states (roughly
# 100-300 KB for a long conversation); a conversation not kept is rebuilt from the store.
KEPT_CONVERSATIONS = 500
_HANDED_OUT_AT = "_refund_events_when_retrieved"
_ENCODED = "_refund_events_encoded"


class KeptTrackers:
    """The trackers saved last by this process, each given to one later `retrieve`."""

    def __init__(self, capacity: int = KEPT_CONVERSATIONS) -> None:
        self.capacity = capacity
        self._kept: "OrderedDict[Text, Tuple[DialogueStateTracker, int, Optional[Event], Any]]" = OrderedDict()

    def keep(self, tracker: DialogueStateTracker, stored_version: Any = None) -> None:
        """Keep a tracker just saved, unless it holds more than one conversation session."""
        self._kept.pop(tracker.sender_id, None)
        if _started_another_session(tracker):
            return
        events = tracker.events
        self._kept[tracker.sender_id] = (tracker, len(events), events[-1] if events else None, stored_version)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)

    def take(self, sender_id: Text, stored_version: Callable[[], Any] = lambda: None
             ) -> Optional[DialogueStateTracker]:
        """The kept tracker for this conversation, if it is still exactly what was stored
        (`stored_version` tells what the store holds now, compared with what it held at `keep`)."""
        kept = self._kept.pop(sender_id, None)
        if kept is None:
            return None
        tracker, count, newest, version = kept
        events = tracker.events
        if len(events) != count or (count and events[-1] is not newest) or version != stored_version():
            return None
        return handed_out(tracker)

    def forget(self, sender_id: Text) -> None:
        """Drop what is kept for a conversation (its stored events changed elsewhere)."""
        self._kept.pop(sender_id, None)


def handed_out(tracker: Optional[DialogueStateTracker]) -> Optional[DialogueStateTracker]:
    """Note how many events a tracker had when a message started with it."""
    if tracker is not None:
        tracker.__dict__[_HANDED_OUT_AT] = len(tracker.events)
    return tracker


def _started_another_session(tracker: DialogueStateTracker) -> bool:
    """True when the tracker may hold more than one session: Rasa's `retrieve` splits a
    conversation at each `action_session_start`, and a tracker handed out holds one session."""
    since = tracker.__dict__.get(_HANDED_OUT_AT)
    if since is None:
        return True  # not from `retrieve`: its sessions are unknown
    return any(isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME
               for event in itertools.islice(tracker.events, max(since, 1), None))


class KeepingInMemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store (`make run`), handing the next message the tracker saved last.

    Rasa's in-memory store encodes the whole conversation as JSON on every save; this one
    encodes each event once, when it is first saved, and joins them into the stored text only
    when someone reads it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept = KeptTrackers()
        self._encoded: Dict[Text, List[Text]] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's events, then keep it for the conversation's next message."""
        await self.stream_events(tracker)
        self._encoded[tracker.sender_id] = self._encode(tracker)
        self.store.pop(tracker.sender_id, None)  # the text is joined when read
        self.kept.keep(tracker)

    def _encode(self, tracker: DialogueStateTracker) -> List[Text]:
        """The JSON of each event, reusing what this tracker's previous save encoded."""
        events = tracker.events
        mark = tracker.__dict__.get(_ENCODED)
        parts = self._encoded.get(tracker.sender_id)
        if (mark is not None and parts is not None and mark[0] is parts and mark[1] == len(parts)
                and mark[3] is events and len(events) >= mark[1] and (not mark[1] or events[mark[1] - 1] is mark[2])):
            parts.extend(json.dumps(event.as_dict()) for event in itertools.islice(events, mark[1], None))
        else:
            parts = [json.dumps(event.as_dict()) for event in events]
        tracker.__dict__[_ENCODED] = (parts, len(parts), events[-1] if events else None, events)
        return parts

    async def _retrieve(self, sender_id: Text, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        parts = self._encoded.get(sender_id)
        if parts is not None and sender_id not in self.store:
            self.store[sender_id] = f'{{"events": [{", ".join(parts)}], "name": {json.dumps(sender_id)}}}'
        return await super()._retrieve(sender_id, fetch_all_sessions)

    async def keys(self) -> Iterable[Text]:
        """Every conversation saved."""
        return self._encoded.keys()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The kept tracker, or the conversation's latest session rebuilt from the store."""
        return self.kept.take(sender_id) or handed_out(await super().retrieve(sender_id))


class KeepingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL store (production), handing the next message the tracker saved last while no
    other instance has stored events for the conversation since."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept = KeptTrackers()

    def _newest_event_id(self, sender_id: Text) -> Optional[int]:
        with self.session_scope() as session:
            return session.query(sa.func.max(self.SQLEvent.id)).filter(
                self.SQLEvent.sender_id == sender_id).scalar()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events as Rasa does, then keep the tracker with the newest event id."""
        self.kept.forget(tracker.sender_id)
        await super().save(tracker)
        self.kept.keep(tracker, self._newest_event_id(tracker.sender_id))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The kept tracker if the stored events are unchanged, else Rasa's own retrieval."""
        kept = self.kept.take(sender_id, lambda: self._newest_event_id(sender_id))
        return kept or handed_out(await super().retrieve(sender_id))
