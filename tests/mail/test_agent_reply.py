"""An agent's reply to a work item is e-mailed as well: to the account's registered address (a
received e-mail's From line can be forged), to the sender of an e-mail with no account, to nobody
when there is no address (a guest's message on the website)."""
from __future__ import annotations

import email
import email.policy

import pytest
from sqlalchemy import select

from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.mail.agent_reply import Recipient, queue_reply, recipient
from bot.mail.store import MailStore
from bot.security.customer_accounts import CustomerAccounts
from bot.storage.schema import MailOutboxRow
from bot.storage.seed import DEMO_EMAILS
from bot.vocabulary import HandoffKind, MailOutcome

SUPPORT = "support@refund.example.com"


@pytest.fixture
def world(seeded, tmp_path):
    support = tmp_path / "support.yml"
    support.write_text("", encoding="utf-8")
    return (HandoffService(seeded, SupportSettings(support)), MailStore(seeded, tmp_path / "mail"),
            CustomerAccounts(seeded))


def received(store: MailStore, sender: str, customer_id=None) -> int:
    return store.record(message_id=None, envelope_from=sender, from_address=sender, customer_id=customer_id,
                        subject="退款", size=10, sha256="0" * 64, text="我的退款呢", outcome=MailOutcome.FAILED)


def test_an_e_mail_from_a_customer_is_answered_at_the_registered_address(world):
    handoffs, store, customers = world
    mail_id = received(store, "forged-or-alias@example.net", "c1001")
    item = handoffs.leave_message(f"mail-{mail_id}", "c1001", HandoffKind.EMAIL, "我的退款呢", None, "mail", None,
                                  {"mail_id": mail_id})
    assert recipient(item, store, customers) == Recipient(DEMO_EMAILS["c1001"], "张伟")


def test_a_sender_with_no_account_is_answered_at_their_own_address(world):
    handoffs, store, customers = world
    mail_id = received(store, "someone@example.org")
    item = handoffs.leave_message(f"mail-{mail_id}", None, HandoffKind.EMAIL, "我的退款呢", None, "mail", None,
                                  {"mail_id": mail_id})
    to = recipient(item, store, customers)
    assert to == Recipient("someone@example.org", None) and to.shown == "so***@example.org"


def test_a_guest_message_has_no_address_and_a_customer_message_has_theirs(world):
    handoffs, store, customers = world
    guest = handoffs.leave_message("web-guest", None, HandoffKind.MESSAGE, "请联系我", None, "web_contact", None, {})
    assert recipient(guest, store, customers) is None
    mine = handoffs.leave_message("web-c1002", "c1002", HandoffKind.MESSAGE, "请联系我", None, "web_contact", None, {})
    assert recipient(mine, store, customers) == Recipient(DEMO_EMAILS["c1002"], "李娜")


def test_the_reply_is_queued_signed_by_the_agent_and_not_marked_automatic(world, seeded):
    handoffs, store, customers = world
    item = handoffs.leave_message("web-c1001", "c1001", HandoffKind.CALLBACK, "工单什么时候退款？", "13800138000",
                                  "web_contact", None, {})
    queue_reply(store, SUPPORT, recipient(item, store, customers), item, "小王", "退款三个工作日内到账。")
    with seeded() as db:
        row = db.scalars(select(MailOutboxRow).where(MailOutboxRow.handoff_id == item.id)).one()
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert row.to_address == DEMO_EMAILS["c1001"] and row.customer_id == "c1001"
    assert message["Subject"] == "云途客服回复：工单什么时候退款？" and message["Auto-Submitted"] is None
    assert body.startswith("张伟，您好") and "退款三个工作日内到账。" in body and "云途客服 小王" in body
