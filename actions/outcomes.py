"""What a conversation reached that only the actions see (a question answered, an application
stopped or a ticket withdrawn), reported for the operator dashboard (bot/observability/activity.py).
Reporting never fails a turn."""
from __future__ import annotations

import logging

from rasa_sdk import Tracker

from bot.vocabulary import ConversationOutcome
from bot.wiring import services

logger = logging.getLogger(__name__)


def reached(tracker: Tracker, outcome: ConversationOutcome) -> None:
    try:
        services().activity.reached(tracker.sender_id, outcome)
    except Exception:  # the dashboard is for later; the customer's turn goes on
        logger.exception("could not record the conversation's outcome")
