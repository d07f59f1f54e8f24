"""A reviewer's step reaches the customer: what it means for them (with what the reviewer wrote
to them, 「给客户的说明」) is pushed into the ticket's conversation, so an open widget shows it at
once; the status answer says it too (bot/refunds/ticket_replies.py)."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from bot.refunds import ticket_replies
from bot.tickets.workflow import TicketWorkflow
from bot.web.rasa_client import RasaClient

logger = logging.getLogger(__name__)
# The back-office actions whose outcome the customer hears about (taking a ticket or starting a
# payout changes nothing they need to do or know).
NEWS_ACTIONS = frozenset({"request-info", "approve", "reject", "mark-paid", "close-appeal", "manager-approve"})
Notify = Callable[[str, str], Awaitable[bool]]


def customer_notifier(rasa: RasaClient, workflow: TicketWorkflow) -> Notify:
    """`notify(ticket_id, action)`, called after a reviewer's action succeeded."""
    async def notify(ticket_id: str, action: str) -> bool:
        if action not in NEWS_ACTIONS:
            return False
        ticket = workflow.get(ticket_id)
        if ticket is None or not ticket.conversation_id:
            return False
        delivered = await rasa.push_bot_message(ticket.conversation_id, ticket_replies.reviewer_news(ticket))
        if not delivered:
            logger.warning("could not tell the customer about %s", action, extra={"ticket_id": ticket.ticket_id})
        return delivered
    return notify
