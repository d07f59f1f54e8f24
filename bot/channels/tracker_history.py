"""Work on a conversation's history that does not grow with its length.

Rasa 3.6.21 recomputes two things from the first event on, several times per message:
`DialogueStateTracker.applied_events` (the events left after restarts and reverts, called by the
policies and the featurizers) and `DialogueStateTracker.past_states` (one dialogue state per
action, replaying every event on a fresh tracker; called by MemoizationPolicy and RulePolicy for
each prediction). On a 70-turn conversation the two took about half the Rasa server's CPU
(py-spy), so a message cost twice what it cost at turn 7.

Both are pure functions of the tracker's events, and a tracker's events only grow. This keeps,
on the tracker object, what was computed for the events seen so far and carries on from there
for the events appended since; anything else (a replaced or truncated event list, a new form
name that changes how earlier form executions are read, a restart or revert that removes
applied events) computes from the first event exactly as Rasa does. Callers receive their own
copies, as Rasa gives them fresh lists and states they may change.

Applied by our channels' modules, like the other patches in this package;
`tests/channels/test_tracker_history.py` checks that both agree with Rasa's own methods on
conversations with forms, rejections, reverts and restarts, and fails if Rasa changes them.
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

RASA_APPLIED_EVENTS = DialogueStateTracker.applied_events
RASA_PAST_STATES = DialogueStateTracker.past_states
RASA_STATES_FOR_HISTORY = Domain.states_for_tracker_history

_APPLIED = "_refund_applied_events"
_STATES = "_refund_past_states"


class _Applied:
    """The applied events of the first `count` events of one event list."""

    __slots__ = ("events", "count", "last", "loop_names", "applied")

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.events = tracker.events
        self.count = len(self.events)
        self.last = self.events[-1] if self.count else None
        self.loop_names: Set[Text] = {e.name for e in self.events if isinstance(e, ActiveLoop) and e.name}
        self.applied: List[Event] = []
        for event in self.events:
            _apply(tracker, event, self.applied, self.loop_names)

    def still_describes(self, tracker: DialogueStateTracker) -> bool:
        """True when the tracker's events are these events with more appended."""
        events = tracker.events
        return (events is self.events and len(events) >= self.count
                and (self.count == 0 or events[self.count - 1] is self.last))


def _apply(tracker: DialogueStateTracker, event: Event, applied: List[Event], loop_names: Set[Text]) -> None:
    """One step of Rasa's `applied_events` loop (same branches, same order)."""
    if isinstance(event, (Restarted, SessionStarted)):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
          and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def applied_events(self: DialogueStateTracker) -> List[Event]:
    """Rasa's `applied_events`, carried on from the events seen by the previous call."""
    cache: Optional[_Applied] = self.__dict__.get(_APPLIED)
    if cache is None or not cache.still_describes(self):
        cache = self.__dict__[_APPLIED] = _Applied(self)
    elif len(self.events) > cache.count:
        new = list(itertools.islice(self.events, cache.count, None))
        if any(isinstance(e, ActiveLoop) and e.name and e.name not in cache.loop_names for e in new):
            # a form seen for the first time changes how its earlier executions are read
            cache = self.__dict__[_APPLIED] = _Applied(self)
        else:
            for event in new:
                _apply(self, event, cache.applied, cache.loop_names)
            cache.count, cache.last = len(self.events), new[-1]
    return list(cache.applied)


class _States:
    """The states before each action of a prefix of the applied events, and a tracker replayed
    to the end of that prefix (Rasa's `generate_all_prior_trackers` stopped there)."""

    __slots__ = ("domain", "applied", "replay", "states", "last_ml_action", "turn_was_hidden")

    def __init__(self, tracker: DialogueStateTracker, domain: Domain) -> None:
        self.domain = domain
        self.applied: List[Event] = []
        self.replay = tracker.init_copy()
        self.states: List[State] = []
        self.last_ml_action: Any = None
        self.turn_was_hidden = False

    def continues(self, applied: List[Event]) -> bool:
        """True when `applied` starts with the events this cache has replayed."""
        n = len(self.applied)
        return len(applied) >= n and all(a is b for a, b in zip(self.applied, applied))


def _add_state(cache: _States, states: List[State], running: List[Any], hide_rule_turn: bool,
               options: Tuple[bool, bool, Optional[Dict[Text, Any]]]) -> None:
    """One iteration of Rasa's `Domain.states_for_tracker_history` loop on the replayed tracker;
    `running` holds its two loop variables (previous ML action, whether the turn is hidden)."""
    omit_unset_slots, ignore_rule_only_turns, rule_only_data = options
    domain, tr = cache.domain, cache.replay
    if ignore_rule_only_turns:
        if not running[1]:
            running[0] = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            running[1] = hide_rule_turn
        if running[1]:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if running[0]:
            state[PREVIOUS_ACTION] = running[0]
    states.append(domain._clean_state(state))


def _options_key(domain: Domain, omit_unset_slots: bool, ignore_rule_only_turns: bool,
                 rule_only_data: Optional[Dict[Text, Any]]) -> Tuple[Any, ...]:
    data = None if rule_only_data is None else tuple(
        (name, tuple(values)) for name, values in sorted(rule_only_data.items()))
    return id(domain), omit_unset_slots, ignore_rule_only_turns, data


def _own_copy(state: State) -> State:
    """A state the caller may change (Rasa's featurizers delete keys of its sub-states)."""
    return {kind: dict(sub) if isinstance(sub, dict) else sub for kind, sub in state.items()}


def past_states(self: DialogueStateTracker, domain: Domain, omit_unset_slots: bool = False,
                ignore_rule_only_turns: bool = False,
                rule_only_data: Optional[Dict[Text, Any]] = None) -> List[State]:
    """Rasa's `past_states`, carried on from the states computed by the previous call."""
    caches: Dict[Tuple[Any, ...], _States] = self.__dict__.setdefault(_STATES, {})
    key = _options_key(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    applied = self.applied_events()
    cache = caches.get(key)
    if cache is None or cache.domain is not domain or not cache.continues(applied):
        cache = caches[key] = _States(self, domain)
    running = [cache.last_ml_action, cache.turn_was_hidden]
    for event in applied[len(cache.applied):]:
        if isinstance(event, ActionExecuted):
            _add_state(cache, cache.states, running, event.hide_rule_turn, options)
        cache.replay.update(event)
    cache.applied, cache.last_ml_action, cache.turn_was_hidden = applied, running[0], running[1]
    states = list(cache.states)
    _add_state(cache, states, running, False, options)  # the state now, not kept: more may follow
    return [_own_copy(state) for state in states]


def install() -> None:
    """Use the carried-on history in this process (idempotent)."""
    DialogueStateTracker.applied_events = applied_events
    DialogueStateTracker.past_states = past_states
