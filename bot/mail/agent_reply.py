"""An agent's reply to a work item goes by e-mail as well as into the chat: a customer who left a
message and closed the page learns the answer without coming back. To the account's registered
address (the From line of a received e-mail can be forged), or, for a sender with no account,
to the address the e-mail came from. Queued in the mail outbox, which the mail intake service
sends and retries."""
from __future__ import annotations

from dataclasses import dataclass
from email.policy import SMTP as SMTP_POLICY
from typing import Optional

from bot.handoff.service import Handoff
from bot.mail.compose import compose, new_message_id
from bot.mail.store import MailStore
from bot.mail.texts import Reply, agent_reply_subject
from bot.security.customer_accounts import CustomerAccounts
from bot.vocabulary import HandoffKind


@dataclass(frozen=True)
class Recipient:
    """Where an agent's e-mailed reply goes, and whom it greets (None: a sender with no account)."""

    address: str
    name: Optional[str]

    @property
    def shown(self) -> str:
        """The address as the console shows it: 「zh***@example.com」."""
        local, _, domain = self.address.partition("@")
        return f"{local[:2]}***@{domain}"


def recipient(item: Handoff, mail: MailStore, customers: CustomerAccounts) -> Optional[Recipient]:
    """Who an agent's reply to `item` is e-mailed to, or None when there is no address."""
    customer_id = item.customer_id
    sender = None
    if item.kind == HandoffKind.EMAIL:
        mail_id = (item.summary or {}).get("mail_id")
        stored = mail.get(int(mail_id)) if isinstance(mail_id, int) else None
        customer_id = customer_id or (stored.customer_id if stored else None)
        sender = stored.from_address if stored else None
    if customer_id:
        customer, address = customers.get(customer_id), customers.email_of(customer_id)
        return Recipient(address, customer.name if customer else None) if address else None
    return Recipient(sender, None) if sender else None


def queue_reply(mail: MailStore, support_address: str, to: Recipient, item: Handoff, agent_name: str,
                text: str) -> None:
    """Queue the agent's `text` for `to`, signed with the agent's name, about what `item` left."""
    message_id = new_message_id(support_address)
    reply = Reply(agent_reply_subject(item.message or item.last_customer_text or ""), [text])
    message = compose(reply, to.address, support_address, message_id, to.name, None, signed_by=agent_name)
    mail.enqueue(message_id, to.address, reply.subject, message.as_bytes(policy=SMTP_POLICY), item.customer_id,
                 item.ticket_id, item.id)
