"""One-time links: once, only for their customer, for three days, and only what they say."""
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.mail.links import APPLY, TICKET, LinkRefused, MailLinks
from bot.security.tokens import issue_mail_link_token

NOW = utcnow()  # the token's own expiry is checked against the real clock

SECRET = "test-secret-0123456789abcdef0123456789"


def links(seeded, at=NOW):
    return MailLinks(seeded, SECRET, "https://www.example.com", clock=lambda: at)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_link_opens_the_prefilled_form_once(seeded):
    url = links(seeded).issue("c1001", APPLY, prefill={"order_id": "2026112400010001", "reason": "wrong_purchase",
                                                        "description": "买错了", "password": "ignored"})
    assert url.startswith("https://www.example.com/mail/link/")
    link = links(seeded).redeem(token_of(url), "c1001")
    assert link.target().startswith("/refunds/apply?order_id=2026112400010001&reason=wrong_purchase&mail=")
    assert links(seeded).prefill("c1001", link.link_id)["description"] == "买错了"
    assert "password" not in link.prefill
    with pytest.raises(LinkRefused, match="used"):
        links(seeded).redeem(token_of(url), "c1001")


def test_another_customer_can_neither_use_nor_spend_it(seeded):
    url = links(seeded).issue("c1001", TICKET, ticket_id="RF202611050001")
    with pytest.raises(LinkRefused, match="not_yours"):
        links(seeded).redeem(token_of(url), "c1002")
    assert links(seeded).redeem(token_of(url), "c1001").target() == "/refunds/RF202611050001"
    assert links(seeded).prefill("c1002", "anything") == {}


def test_expired_and_forged_links(seeded):
    url = links(seeded).issue("c1001", APPLY)
    with pytest.raises(LinkRefused, match="expired"):
        links(seeded, NOW + timedelta(days=3, seconds=1)).redeem(token_of(url), "c1001")
    forged = issue_mail_link_token("another-secret-0123456789abcdef0123", "c1001", "x", NOW)
    with pytest.raises(LinkRefused, match="forged"):
        links(seeded).redeem(forged, "c1001")
    unknown = issue_mail_link_token(SECRET, "c1001", "not-a-link", NOW)
    with pytest.raises(LinkRefused, match="forged"):
        links(seeded).redeem(unknown, "c1001")
