"""The refund ticket state machine: which action moves a ticket from which state, and who may.

    submitted ─take─▶ under_review ─request_info─▶ needs_info ─supplement─▶ under_review
        │                 │ ├─approve─▶ approved ─start_payout─▶ refunding ─mark_paid─▶ refunded
        │                 │ └─reject──▶ rejected ─appeal─▶ appealed ─close_appeal─▶ approved | final_rejected
        └─────────────────┴── withdraw (customer, before approval) ──▶ withdrawn
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Tuple


class IllegalTransition(ValueError):
    """The action is not allowed in the ticket's current state (or for this actor)."""


@dataclass(frozen=True)
class Move:
    sources: FrozenSet[str]
    target: str
    roles: FrozenSet[str]  # customer | reviewer | system


def _move(sources: Tuple[str, ...], target: str, *roles: str) -> Move:
    return Move(frozenset(sources), target, frozenset(roles))


MOVES: Dict[str, Move] = {
    "take": _move(("submitted",), "under_review", "reviewer"),
    "request_info": _move(("under_review", "appealed"), "needs_info", "reviewer"),
    "supplement": _move(("needs_info",), "under_review", "customer", "reviewer"),
    "approve": _move(("under_review",), "approved", "reviewer"),
    "reject": _move(("under_review",), "rejected", "reviewer"),
    "start_payout": _move(("approved",), "refunding", "reviewer", "system"),
    "mark_paid": _move(("refunding",), "refunded", "reviewer", "system"),
    "appeal": _move(("rejected",), "appealed", "customer"),
    "close_appeal_approve": _move(("appealed",), "approved", "reviewer"),
    "close_appeal_reject": _move(("appealed",), "final_rejected", "reviewer"),
    "withdraw": _move(("submitted", "under_review", "needs_info"), "withdrawn", "customer"),
}

# Stages whose next step is on the provider's side: they have a due date and can be escalated.
PROVIDER_STAGES = frozenset({"submitted", "under_review", "appealed", "approved", "refunding"})
FINAL_STATES = frozenset({"refunded", "final_rejected", "withdrawn"})

REJECTION_REASONS = {
    "outside_policy": "不符合退款政策的适用条件",
    "insufficient_evidence": "提供的材料不足以证明所述问题",
    "service_normal": "经核查，故障期间服务运行正常",
    "duplicate_not_found": "未核实到重复扣款",
    "promotion_terms": "活动规则约定不可退订",
    "resource_in_use": "资源仍在使用或已产生不可退费用",
    "other": "其他原因",
}


def next_state(current: str, action: str, role: str) -> str:
    """The state after `action` by `role`; IllegalTransition with a clear message otherwise."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalTransition(f"unknown action: {action}")
    if role not in move.roles:
        raise IllegalTransition(f"a {role} may not {action}")
    if current not in move.sources:
        allowed = ", ".join(sorted(move.sources))
        raise IllegalTransition(f"cannot {action} a ticket that is {current} (allowed from: {allowed})")
    return move.target
