"""Every change our channels make to Rasa 3.6.21 in the server process, in one place: Rasa
imports a channel's module in each server process, and that module calls `install()`.
Each patch has its own module and a test that fails if Rasa changes what it replaces."""
from __future__ import annotations

from bot.channels import (
    action_errors,
    action_payload,
    action_validation,
    event_types,
    nlu_review,
    policy_logging,
    tracker_copies,
    tracker_history,
)


def install() -> None:
    """Apply every patch (idempotent)."""
    action_validation.install()  # a validator built once for action responses
    event_types.install()  # event classes looked up once per name, not once per stored event
    action_payload.install()  # action calls carry the newest events only and a domain built once
    tracker_history.install()  # applied events and dialogue states carried on, not recomputed per call
    nlu_review.install()  # badly understood messages kept (masked) for review; daily counts for the dashboard
    policy_logging.install()  # the rule policy's debug text of all states built only when logged
    tracker_copies.install()  # tracker copies taken from the state, not by replaying every event
    action_errors.install()  # a failed action call's error text without the conversation it was sent
