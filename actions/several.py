"""Several requests in one message (「X到哪了？另外把Y也退了」「退款收手续费吗？多久能到账？」): the
reader (bot.nlu.reader.side_requests) splits the message; the action that answers the main request
calls `answer_side_requests` for the others it does not answer itself."""
from __future__ import annotations

from typing import Any, Collection, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import customer_id
from bot.faq.answers import answer
from bot.faq.other_topics import other_topic_answer
from bot.faq.topics import default_classifier
from bot.nlu.reader import SideRequest, side_requests
from bot.refunds import ticket_replies
from bot.tickets.models import Ticket
from bot.wiring import services

# A side question is answered when its clause is about one policy topic with at least this
# confidence (lower than a whole message needs: the clause is short and known to be a question).
SIDE_TOPIC_CONFIDENCE = 0.15


def sides_of(tracker: Tracker, kinds: Collection[str]) -> List[SideRequest]:
    text = str(tracker.latest_message.get("text") or "")
    return [] if text.startswith("/") else [s for s in side_requests(text) if s.kind in kinds]


def _ticket(tracker: Tracker, cid: str) -> Optional[Ticket]:
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "ticket_id":
            return services().refunds.ticket(cid, str(entity.get("value")).upper())
    tickets = services().refunds.tickets_for(cid)
    return tickets[0] if tickets else None


def answer_side_requests(dispatcher: CollectingDispatcher, tracker: Tracker,
                         kinds: Collection[str] = ("status", "question", "chase"),
                         answered: Collection[str] = (), refund_named: bool = False) -> List[Dict[Text, Any]]:
    """Answer the message's requests of `kinds`: a ticket's status (chased if overdue), a policy
    question, a question about something not ours (`other`: an invoice, withdrawing the balance;
    not those of `answered`, the topics the main answer speaks of). Returns the events (the
    ticket in focus). With `refund_named` (a message read as not ours), a status or chase counts
    only when its clause names a refund (「充值了 怎么还没到账」 is about the top-up)."""
    cid = customer_id(tracker)
    answered_topics: set = set(answered)
    events: List[Dict[Text, Any]] = []
    for side in sides_of(tracker, kinds):
        if side.kind == "other":
            if side.topic not in answered_topics:
                answered_topics.add(side.topic)
                text, _ = other_topic_answer(side.topic, 1.0, services().refunds.policy,
                                             services().handoffs.support.current().describe())
                dispatcher.utter_message(text=text)
            continue
        if side.kind in ("status", "chase") and cid and (side.names_refund or not refund_named):
            ticket = _ticket(tracker, cid)
            if ticket is None:
                continue
            escalated = services().workflow.escalate_if_overdue(ticket)
            if escalated is not None:
                ticket = services().refunds.ticket(cid, ticket.ticket_id) or ticket
            dispatcher.utter_message(text=ticket_replies.status_text(ticket, escalated, services().pages))
            events.append(SlotSet("current_ticket", ticket.ticket_id))
        elif side.kind == "question":
            topic, confidence = default_classifier().predict(side.clause)
            if topic != "overview" and confidence >= SIDE_TOPIC_CONFIDENCE and topic not in answered_topics:
                answered_topics.add(topic)
                dispatcher.utter_message(text=answer(topic, services().refunds.policy))
    return events
