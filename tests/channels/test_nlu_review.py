"""Badly understood messages reach the review inbox through the real servers, masked; clear ones
and button clicks do not; and the guard that fails if Rasa changes the method we wrap."""
from __future__ import annotations

import inspect

import rasa
from rasa.core.processor import MessageProcessor
from sqlalchemy import select

from bot.channels import nlu_review
from bot.storage.schema import NluReviewRow


def test_installed_by_the_channels():
    import bot.channels.dev_rest  # noqa: F401
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports them in every server process)

    assert MessageProcessor.parse_message is nlu_review.parse_message


def test_rasa_still_parses_conversation_messages_through_that_method():
    assert rasa.__version__ == "3.6.21"
    original = inspect.signature(nlu_review.RASA_ORIGINAL)
    assert list(original.parameters) == ["self", "message", "tracker", "only_output_properties"]
    assert "parse_data = await self.parse_message(message, tracker)" in inspect.getsource(
        MessageProcessor._handle_message_with_tracker)


def test_unclear_messages_are_kept_masked_and_clear_ones_are_not(fresh_stack):
    with fresh_stack.sessions.begin() as db:
        db.query(NluReviewRow).delete()
    fresh_stack.say("review-probe", "qwzx ptkl 13812345678 vbnm")  # nothing the assistant knows
    fresh_stack.say("review-probe", "我要退款")  # clear
    fresh_stack.say("review-probe", '/inform{"order_id": "2026112400010001"}')  # a button
    with fresh_stack.sessions() as db:
        rows = db.scalars(select(NluReviewRow)).all()
    assert [row.text for row in rows] == ["qwzx ptkl 138****5678 vbnm"]
    assert rows[0].predicted_intent and rows[0].seen == 1


def test_only_messages_to_the_assistant_count_and_each_keeps_its_conversation(fresh_stack):
    """Through the real servers: what the customer writes to the assistant is counted for the
    dashboard (with a repeat read from their words) and an unclear message goes to the inbox
    linked to its conversation; once a person has the conversation, what the customer writes to
    them is neither counted nor sent to the inbox."""
    import time

    from bot.storage.schema import ConversationRow

    with fresh_stack.sessions.begin() as db:
        db.query(NluReviewRow).delete()
        db.query(ConversationRow).delete()
    sender = "to-the-agent"
    fresh_stack.say(sender, "qwzx ptkl vbnm")  # not understood (the fallback, or an unsure guess)
    fresh_stack.say(sender, "我要退款")
    fresh_stack.say(sender, "我要退款")  # said again
    fresh_stack.say(sender, "转人工")
    assert fresh_stack.tracker(sender).get("paused") is True
    fresh_stack.say(sender, "asdf ghjk 你好还在吗")  # to the agent: not the assistant's
    deadline = time.monotonic() + 25  # the chat server writes its counts within 10 s
    row = None
    while time.monotonic() < deadline:
        with fresh_stack.sessions() as db:
            row = db.get(ConversationRow, sender)
            if row is not None and row.messages >= 4:
                break
        time.sleep(0.5)
    assert row is not None and (row.messages, row.repeats, row.corrections) == (4, 1, 0)
    with fresh_stack.sessions() as db:
        rows = db.scalars(select(NluReviewRow)).all()
    assert [(r.text, r.conversation_id) for r in rows] == [("qwzx ptkl vbnm", sender)]
