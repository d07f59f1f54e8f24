"""RFC 3834: who is never answered."""
import pytest

from bot.mail.parse import parse
from bot.mail.robots import robot_reason

SUPPORT = "support@refund.example.com"


def mail(headers: str, sender: str = "a@example.org", subject: str = "退款"):
    return parse(f"From: {sender}\r\nSubject: {subject}\r\n{headers}\r\n正文".encode("utf-8"))


@pytest.mark.parametrize("headers, envelope, reason", [
    ("", "", "null_sender"),
    ("X-Refund-Mail: 1\r\n", "a@example.org", "loop"),
    ("Auto-Submitted: auto-generated\r\n", "a@example.org", "auto_submitted"),
    ("Auto-Submitted: auto-replied; owner-email=x\r\n", "a@example.org", "auto_submitted"),
    ("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n", "a@example.org", "report"),
    ("X-Autoreply: yes\r\n", "a@example.org", "autoreply_header"),
    ("Precedence: junk\r\n", "a@example.org", "precedence"),
    ("List-Unsubscribe: <mailto:u@x>\r\n", "a@example.org", "mailing_list"),
    ("", "bounce+123@lists.example.org", "robot_sender"),
    ("Received: x\r\n" * 31, "a@example.org", "loop"),
])
def test_robots(headers, envelope, reason):
    assert robot_reason(mail(headers), envelope, SUPPORT) == reason


@pytest.mark.parametrize("subject", ["自动回复：退款", "Automatic reply: 退款", "Out of Office", "Undeliverable: x"])
def test_auto_subjects(subject):
    assert robot_reason(mail("", subject=subject), "a@example.org", SUPPORT) == "auto_subject"


def test_people_are_answered():
    assert robot_reason(mail("Auto-Submitted: no\r\n"), "a@example.org", SUPPORT) is None
    assert robot_reason(mail("", subject="回复：退款"), "a@example.org", SUPPORT) is None


def test_our_own_address_is_a_loop():
    assert robot_reason(mail("", sender=SUPPORT), "x@example.org", SUPPORT) == "loop"
