"""Every legal and illegal transition of the ticket state machine."""
import itertools

import pytest

from bot.tickets.labels import STATUS_LABELS
from bot.tickets.lifecycle import MOVES, IllegalTransition, allowed_actions, next_state

STATES = list(STATUS_LABELS)
ROLES = ["customer", "reviewer", "manager", "system"]
EXPECTED = {
    ("submitted", "take", "reviewer"): "under_review",
    ("under_review", "request_info", "reviewer"): "needs_info",
    ("appealed", "request_info", "reviewer"): "needs_info",
    ("needs_info", "supplement", "customer"): "under_review",
    ("needs_info", "supplement", "reviewer"): "under_review",
    ("under_review", "approve", "reviewer"): "approved",
    ("under_review", "approve_for_manager", "reviewer"): "manager_review",
    ("manager_review", "manager_approve", "manager"): "approved",
    ("manager_review", "manager_return", "manager"): "under_review",
    ("manager_review", "withdraw", "customer"): "withdrawn",
    ("appealed", "close_appeal_for_manager", "reviewer"): "manager_review",
    ("under_review", "reject", "reviewer"): "rejected",
    ("approved", "start_payout", "reviewer"): "refunding",
    ("approved", "start_payout", "system"): "refunding",
    ("refunding", "mark_paid", "reviewer"): "refunded",
    ("refunding", "mark_paid", "system"): "refunded",
    ("rejected", "appeal", "customer"): "appealed",
    ("appealed", "close_appeal_approve", "reviewer"): "approved",
    ("appealed", "close_appeal_reject", "reviewer"): "final_rejected",
    ("submitted", "withdraw", "customer"): "withdrawn",
    ("under_review", "withdraw", "customer"): "withdrawn",
    ("needs_info", "withdraw", "customer"): "withdrawn",
}


@pytest.mark.parametrize("state, action, role", list(itertools.product(STATES, MOVES, ROLES)))
def test_transition_table(state, action, role):
    expected = EXPECTED.get((state, action, role))
    if expected is None:
        with pytest.raises(IllegalTransition):
            next_state(state, action, role)
    else:
        assert next_state(state, action, role) == expected


def test_unknown_action():
    with pytest.raises(IllegalTransition, match="没有「teleport」这个操作"):
        next_state("submitted", "teleport", "reviewer")


def test_messages_say_what_is_wrong_in_chinese():
    with pytest.raises(IllegalTransition, match="工单当前为「已提交」，不能执行「审核通过」（只能在审核中时执行）"):
        next_state("submitted", "approve", "reviewer")
    with pytest.raises(IllegalTransition, match="客户不能执行「审核通过」"):
        next_state("under_review", "approve", "customer")
    with pytest.raises(IllegalTransition, match="只能在已提交、审核中、待补充材料、待主管审批时执行"):
        next_state("approved", "withdraw", "customer")
    with pytest.raises(IllegalTransition, match="审核员不能执行「主管审批通过」"):  # only a manager
        next_state("manager_review", "manager_approve", "reviewer")


@pytest.mark.parametrize("state", STATES)
def test_allowed_actions_are_exactly_the_legal_moves(state):
    for role in ROLES:
        legal = {action for action in MOVES if EXPECTED.get((state, action, role))}
        assert set(allowed_actions(state, role)) == legal
