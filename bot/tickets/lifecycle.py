"""The refund ticket state machine: which action moves a ticket from which state, and who may.

    submitted ─take─▶ under_review ─request_info─▶ needs_info ─supplement─▶ under_review
        │                 │ ├─approve─▶ approved ─start_payout─▶ refunding ─mark_paid─▶ refunded
        │                 │ ├─approve_for_manager─▶ manager_review ─manager_approve─▶ approved
        │                 │ │                              └─manager_return─▶ under_review
        │                 │ └─reject──▶ rejected ─appeal─▶ appealed ─close_appeal─▶ approved | final_rejected
        └─────────────────┴── withdraw (customer, before approval) ──▶ withdrawn

Above the policy's `manager_approval_above` an approval (or an appeal upheld) waits for a manager
(主管), who may not be the reviewer who approved it (bot/tickets/workflow.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Tuple

from bot.tickets.labels import ACTION_LABELS, ACTOR_LABELS, STATUS_LABELS
from bot.vocabulary import Actor, TicketStatus

S = TicketStatus


class IllegalTransition(ValueError):
    """The action is not allowed in the ticket's current state (or for this actor)."""


@dataclass(frozen=True)
class Move:
    sources: FrozenSet[TicketStatus]
    target: TicketStatus
    roles: FrozenSet[Actor]


def _move(sources: Tuple[TicketStatus, ...], target: TicketStatus, *roles: Actor) -> Move:
    return Move(frozenset(sources), target, frozenset(roles))


MOVES: Dict[str, Move] = {
    "take": _move((S.SUBMITTED,), S.UNDER_REVIEW, Actor.REVIEWER),
    "request_info": _move((S.UNDER_REVIEW, S.APPEALED), S.NEEDS_INFO, Actor.REVIEWER),
    "supplement": _move((S.NEEDS_INFO,), S.UNDER_REVIEW, Actor.CUSTOMER, Actor.REVIEWER),
    "approve": _move((S.UNDER_REVIEW,), S.APPROVED, Actor.REVIEWER),
    "approve_for_manager": _move((S.UNDER_REVIEW,), S.MANAGER_REVIEW, Actor.REVIEWER),
    "manager_approve": _move((S.MANAGER_REVIEW,), S.APPROVED, Actor.MANAGER),
    "manager_return": _move((S.MANAGER_REVIEW,), S.UNDER_REVIEW, Actor.MANAGER),
    "reject": _move((S.UNDER_REVIEW,), S.REJECTED, Actor.REVIEWER),
    "start_payout": _move((S.APPROVED,), S.REFUNDING, Actor.REVIEWER, Actor.SYSTEM),
    "mark_paid": _move((S.REFUNDING,), S.REFUNDED, Actor.REVIEWER, Actor.SYSTEM),
    "appeal": _move((S.REJECTED,), S.APPEALED, Actor.CUSTOMER),
    "close_appeal_approve": _move((S.APPEALED,), S.APPROVED, Actor.REVIEWER),
    "close_appeal_for_manager": _move((S.APPEALED,), S.MANAGER_REVIEW, Actor.REVIEWER),
    "close_appeal_reject": _move((S.APPEALED,), S.FINAL_REJECTED, Actor.REVIEWER),
    "withdraw": _move((S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_INFO, S.MANAGER_REVIEW), S.WITHDRAWN, Actor.CUSTOMER),
}


def allowed_actions(current: str, role: str) -> Tuple[str, ...]:
    """The actions `role` may take on a ticket in state `current`, in lifecycle order."""
    return tuple(action for action, move in MOVES.items() if current in move.sources and role in move.roles)


def next_state(current: str, action: str, role: str) -> TicketStatus:
    """The state after `action` by `role`; IllegalTransition with a clear message otherwise.
    The message is for staff and customers alike, in Chinese."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalTransition(f"没有「{action}」这个操作。")
    if role not in move.roles:
        raise IllegalTransition(f"{ACTOR_LABELS.get(role, role)}不能执行「{ACTION_LABELS[action]}」。")
    if current not in move.sources:
        allowed = "、".join(STATUS_LABELS[s] for s in TicketStatus if s in move.sources)
        raise IllegalTransition(f"工单当前为「{STATUS_LABELS.get(current, current)}」，不能执行「{ACTION_LABELS[action]}」"
                                f"（只能在{allowed}时执行）。")
    return move.target
