"""Badly understood customer messages go to the NLU review inbox (bot/nlu/review_inbox.py), and
every customer message is counted for the operator dashboard (bot/observability/activity.py).

Wraps Rasa 3.6.21's `MessageProcessor.parse_message`: after Rasa parsed a conversation's message
(the tracker is given; the HTTP `/model/parse` endpoint passes none and is not recorded), a
fallback or an unsure best guess is recorded off the event loop. Recording never fails a turn.

Applied by our channels' modules, like the other patches in this package;
`tests/channels/test_nlu_review.py` fails if Rasa changes the method.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.review_inbox import FALLBACK_INTENT, needs_review
from bot.nlu.turn_signals import EARLIER, read_turn
from bot.observability.activity import FLUSH_SECONDS
from bot.wiring import services

RASA_ORIGINAL = MessageProcessor.parse_message
# Forms whose questions the customer answers on the way to an outcome (leaving one midway is a
# sign the conversation went wrong); the satisfaction survey is not one.
COUNTED_FORMS = frozenset({"refund_form", "supplement_form", "appeal_form", "leave_message_form"})
logger = logging.getLogger(__name__)


async def parse_message(self: MessageProcessor, message: UserMessage, tracker: Optional[DialogueStateTracker] = None,
                        only_output_properties: bool = True) -> Dict[Text, Any]:
    """Rasa's parse, and the message counted for the dashboard and kept for the review inbox
    when it was understood badly — only a message to the assistant: while the conversation is
    paused (handed to a person) the customer is writing to the agent."""
    parse_data = await RASA_ORIGINAL(self, message, tracker, only_output_properties)
    if tracker is None or tracker.is_paused():
        return parse_data
    intent = parse_data.get("intent") or {}
    try:
        text = message.text or ""
        form = tracker.active_loop_name
        signals = read_turn(text, earlier_texts(tracker))
        if services().activity.saw(tracker.sender_id, intent.get("name") == FALLBACK_INTENT, signals,
                                   form if form in COUNTED_FORMS else None):
            await asyncio.to_thread(services().activity.flush)
        else:
            _flush_later()
        if needs_review(intent.get("name"), intent.get("confidence"), in_form=bool(form)):
            await asyncio.to_thread(services().nlu_review.record, text, intent.get("name"),
                                    intent.get("confidence"), tracker.sender_id)
    except Exception:  # the inbox and the counts are for later; the customer's turn goes on
        logger.exception("could not record the message for the review inbox or the dashboard")
    return parse_data


def earlier_texts(tracker: DialogueStateTracker) -> List[str]:
    """The customer's last few messages before this one, oldest first."""
    found: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.text:
            found.append(event.text)
            if len(found) == EARLIER:
                break
    return found[::-1]


_flush_pending: Optional[asyncio.TimerHandle] = None


def _flush_later() -> None:
    """Write the counts within FLUSH_SECONDS even if no other message comes (a quiet server)."""
    global _flush_pending
    if _flush_pending is not None:
        return
    loop = asyncio.get_running_loop()

    def flush_now() -> None:
        global _flush_pending
        _flush_pending = None
        loop.create_task(_flush())

    _flush_pending = loop.call_later(FLUSH_SECONDS, flush_now)


async def _flush() -> None:
    try:
        await asyncio.to_thread(services().activity.flush)
    except Exception:
        logger.exception("could not write the dashboard's daily counts")


def install() -> None:
    """Record badly understood messages for review (idempotent)."""
    MessageProcessor.parse_message = parse_message
