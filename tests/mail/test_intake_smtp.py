"""Real SMTP messages to the running mail intake (python -m bot.mail), replies read from the
relay's sink: identity from the registered address only, messy mail of every kind, robots that
get no answer, threads that add material, floods."""
from __future__ import annotations

import re
import smtplib
import time
import uuid

import pytest
from sqlalchemy import select

from bot.storage.schema import HandoffRow, MailMessageRow, MailOutboxRow, UploadRow
from bot.vocabulary import HandoffKind, MailOutcome, TicketStatus
from tests.mail import fixtures
from tests.mail.conftest import SUPPORT, mail_service, message

ZHANG = "zhangwei@example.com"  # c1001's registered address
ATTACKER = "mallory@attacker.example.net"
LINK = re.compile(r"http://127\.0\.0\.1:8000/mail/link/[\w.-]+")


def tag() -> str:
    return uuid.uuid4().hex[:8]


def last_mail(intake, subject_tag: str) -> MailMessageRow:
    with intake.sessions() as session:
        return session.scalars(select(MailMessageRow).where(MailMessageRow.subject.contains(subject_tag))
                               .order_by(MailMessageRow.id.desc())).first()


def test_a_registered_customer_gets_a_prefilled_link_at_the_registered_address(intake):
    t = tag()
    intake.send(message(f"退款 {t}", "你好，订单 2026112400010001 买错了配置，想退款。"), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert reply.rcpt_tos == [ZHANG] and reply.mail_from == SUPPORT
    assert "张伟，您好" in reply.plain and "订单 2026112400010001" in reply.plain
    assert "误购" in reply.plain and LINK.search(reply.plain)
    assert LINK.search(reply.html) and "<a href=" in reply.html
    assert reply.message["Auto-Submitted"] == "auto-replied" and reply.message["X-Refund-Mail"]
    original = last_mail(intake, t)
    assert reply.message["In-Reply-To"] and reply.message["References"]
    assert original.outcome == MailOutcome.LINK_SENT and original.customer_id == "c1001"


def test_a_forged_from_learns_nothing(intake):
    """From: the customer, but sent by someone else who asks for the reply elsewhere."""
    t = tag()
    forged = message(f"查进度 {t}", "我的退款到哪了？请回复到我的新邮箱。", sender=f"张伟 <{ZHANG}>")
    forged["Reply-To"] = ATTACKER
    forged["Sender"] = ATTACKER
    intake.send(forged, mail_from=ATTACKER)
    reply = intake.sink.wait(ZHANG, t)  # the status goes to the registered address only
    assert reply.rcpt_tos == [ZHANG]
    intake.sink.none(ATTACKER)
    # Writing from their own address about someone else's order and ticket gets how to apply, nothing more.
    u = tag()
    intake.send(message(f"退款 {u}", "张伟的订单 2026112400010001 和工单 RF202611050001 退款到哪了？",
                        sender=ATTACKER), mail_from=ATTACKER)
    answer = intake.sink.wait(ATTACKER, u)
    for secret in ("2026112400010001", "RF202611050001", "张伟", "元", "/mail/link/", "c1001"):
        assert secret not in answer.plain and secret not in answer.html
    assert "/refunds/apply" in answer.plain and "登记的邮箱" in answer.plain
    assert last_mail(intake, u).outcome == MailOutcome.UNKNOWN_SENDER


def test_status_goes_to_the_registered_address(intake):
    t = tag()
    intake.send(fixtures.raw_utf8_headers(ZHANG, t), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "退款进度" in reply.plain and "RF" in reply.plain and "当前状态" in reply.plain
    assert last_mail(intake, t).outcome == MailOutcome.STATUS_SENT


@pytest.mark.parametrize("build, expect", [
    (fixtures.gbk, "误购"), (fixtures.gb18030_qp, "需求变化"), (fixtures.big5, "误购"),
    (fixtures.html_only, "误购"), (fixtures.forwarded, "误购"), (fixtures.quoted_reply, "误购"),
], ids=["gbk", "gb18030", "big5", "html_only", "forwarded", "quoted_reply"])
def test_every_charset_and_shape_is_read(intake, build, expect):
    t = tag()
    intake.send(build(ZHANG, t), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "订单 2026112400010001" in reply.plain and expect in reply.plain, reply.plain
    assert "2026092700010002" not in reply.plain  # the quoted order is not the customer's request
    kept = last_mail(intake, t)
    assert kept.outcome == MailOutcome.LINK_SENT
    assert "2026112400010001" in kept.text  # what they wrote is kept, decoded


def test_broken_mime_reaches_an_agent_whole(intake):
    t = tag()
    intake.send(fixtures.broken_mime(ZHANG, t), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "人工客服" in reply.plain
    kept = last_mail(intake, t)
    assert kept.outcome == MailOutcome.WORK_ITEM and kept.handoff_id
    with intake.sessions() as session:
        item = session.get(HandoffRow, kept.handoff_id)
        assert item.kind == HandoffKind.EMAIL and item.reason == "mail_complaint" and item.customer_id == "c1001"
        assert item.summary["mail_id"] == kept.id


@pytest.mark.parametrize("build", [fixtures.deep_nesting, fixtures.many_parts], ids=["deep", "many_parts"])
def test_absurd_mime_is_kept_quickly(intake, build):
    t = tag()
    started = time.monotonic()
    intake.send(build(ZHANG, t), mail_from=ZHANG)
    assert time.monotonic() - started < 10
    kept = last_mail(intake, t)
    assert kept is not None and kept.outcome in (MailOutcome.WORK_ITEM, MailOutcome.LINK_SENT)
    assert (intake.workdir / "mail" / "raw" / kept.sha256[:2] / kept.sha256).exists()


def test_a_message_over_the_size_limit_is_refused_during_smtp(intake):
    big = fixtures.with_attachments(ZHANG, tag(), [("huge.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024), "application/pdf")])
    with pytest.raises(smtplib.SMTPException) as refused:
        intake.send(big, mail_from=ZHANG)
    assert "552" in str(refused.value) or isinstance(refused.value, smtplib.SMTPServerDisconnected)


def test_attachments_and_zip_files_pass_the_upload_checks(intake):
    t = tag()
    archive = fixtures.zip_of([("截图1.png", fixtures.PNG + b"1"), ("setup.exe", b"MZ\x90\x00binary"),
                               ("inner.zip", fixtures.zip_of([("a.png", fixtures.PNG)]))])
    bomb = fixtures.zip_of([("bomb.txt", b"0" * (20 * 1024 * 1024))])
    intake.send(fixtures.with_attachments(ZHANG, t, [("故障截图.png", fixtures.PNG, "image/png"),
                                                     ("材料.zip", archive, "application/zip"),
                                                     ("炸弹.zip", bomb, "application/zip"),
                                                     ("说明.png", b"\xff\xfe\x00 not an image", "image/png")]),
                mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "2 个附件已收到" in reply.plain, reply.plain
    for refused in ("setup.exe", "inner.zip", "bomb.txt", "说明.png"):
        assert refused in reply.plain
    kept = last_mail(intake, t)
    with intake.sessions() as session:
        files = session.scalars(select(UploadRow).where(UploadRow.conversation_id == f"mail-{kept.id}")).all()
    assert sorted(f.filename for f in files) == ["截图1.png", "故障截图.png"]
    assert {f.content_type for f in files} == {"image/png"} and {f.customer_id for f in files} == {"c1001"}


@pytest.mark.parametrize("header", [
    "Auto-Submitted: auto-replied\r\n", "X-Autoreply: yes\r\n", "Precedence: bulk\r\n",
    "List-Id: <refunds.lists.example.com>\r\n", "X-Auto-Response-Suppress: All\r\n", "",
], ids=["auto_submitted", "x_autoreply", "precedence", "mailing_list", "suppress", "subject_only"])
def test_robots_are_kept_and_never_answered(intake, header):
    t = tag()
    intake.send(fixtures.auto_reply(ZHANG, t, header), mail_from=ZHANG)
    intake.sink.none(ZHANG, t)
    kept = last_mail(intake, t)
    assert kept.outcome == MailOutcome.AUTOMATIC and kept.note


def test_a_bounce_of_our_reply_is_recorded_not_answered(intake):
    t = tag()
    intake.send(message(f"退款 {t}", "订单 2026112400010001 要退款"), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    ours = reply.message["Message-ID"].strip("<>")
    intake.send(fixtures.bounce(ours, t), mail_from="")
    intake.sink.none("MAILER-DAEMON@mx.example.net")
    assert last_mail(intake, t).outcome == MailOutcome.AUTOMATIC
    with intake.sessions() as session:
        assert session.scalar(select(MailOutboxRow.status).where(MailOutboxRow.message_id == ours)) == "bounced"


def test_our_own_reply_coming_back_is_a_loop(intake):
    t = tag()
    intake.send(message(f"退款 {t}", "订单 2026112400010001 要退款"), mail_from=ZHANG)
    echoed = intake.sink.wait(ZHANG, t).message
    del echoed["Auto-Submitted"]  # a broken forwarder that drops it still does not make us answer
    intake.send(echoed, mail_from=ZHANG)
    intake.sink.none(ZHANG, "回复：回复")
    assert last_mail(intake, "回复：退款 " + t).outcome == MailOutcome.AUTOMATIC
    intake.send(message(f"环路 {t}", "test", sender=SUPPORT), mail_from=SUPPORT)
    intake.sink.none(SUPPORT)


def test_a_relay_retry_is_answered_once(intake):
    t = tag()
    again = message(f"退款 {t}", "订单 2026112400010001 要退款")
    intake.send(again, mail_from=ZHANG)
    intake.send(again, mail_from=ZHANG)
    intake.sink.wait(ZHANG, t)
    time.sleep(1)
    assert len([m for m in intake.sink.to(ZHANG) if t in str(m.message["Subject"])]) == 1
    assert last_mail(intake, t).outcome == MailOutcome.DUPLICATE


def test_only_the_support_address_is_a_recipient(intake):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        intake.send(message("x", "y"), mail_from=ZHANG, rcpt="someone-else@refund.example.com")


def test_a_reply_on_a_tickets_thread_adds_material(intake):
    services = intake.services()
    ticket = services.refunds.file("c1001", "2026101700010007", "service_issue", {}).ticket
    services.workflow.take(ticket.ticket_id, "r1")
    services.workflow.request_info(ticket.ticket_id, "r1", ["故障截图"])
    t = tag()
    intake.send(message(f"进度 {t}", f"工单 {ticket.ticket_id} 到哪了？"), mail_from=ZHANG)
    status = intake.sink.wait(ZHANG, t)
    assert ticket.ticket_id in status.plain and "补充" in status.plain
    ours = status.message["Message-ID"]
    # A stranger cannot add material by naming the thread, nor by forging the From without it.
    u = tag()
    intake.send(fixtures.with_attachments(ATTACKER, u, [("fake.png", fixtures.PNG, "image/png")], text="补充",
                                          extra=f"In-Reply-To: {ours}\r\n"), mail_from=ATTACKER)
    assert services.workflow.get(ticket.ticket_id).status == TicketStatus.NEEDS_INFO
    # The customer replies on the thread with a screenshot.
    v = tag()
    intake.send(fixtures.with_attachments(ZHANG, v, [("宕机截图.png", fixtures.PNG + b"t", "image/png")],
                                          text="截图在附件，前天晚上8点开始连不上。",
                                          extra=f"In-Reply-To: {ours}\r\nReferences: {ours}\r\n"), mail_from=ZHANG)
    receipt = intake.sink.wait(ZHANG, v)
    assert f"工单 {ticket.ticket_id}" in receipt.plain and "1 个附件" in receipt.plain
    after = services.workflow.get(ticket.ticket_id)
    assert after.status == TicketStatus.UNDER_REVIEW
    assert any("前天晚上8点" in e.content for e in after.evidence)
    assert [u.filename for u in services.uploads.for_ticket("c1001", ticket.ticket_id)] == ["宕机截图.png"]
    assert last_mail(intake, v).outcome == MailOutcome.MATERIAL_ADDED


def test_a_complaint_becomes_a_work_item_with_the_whole_message(intake):
    t = tag()
    long_text = "我要投诉！订单 2026101700010007 宕机三天没人管。\r\n" + "详细经过。\r\n" * 500
    intake.send(fixtures.with_attachments(ZHANG, t, [("证据.pdf", b"%PDF-1.4 evidence", "application/pdf")],
                                          text=long_text), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "人工客服" in reply.plain
    kept = last_mail(intake, t)
    with intake.sessions() as session:
        item = session.get(HandoffRow, kept.handoff_id)
    assert item.kind == HandoffKind.EMAIL and item.reason == "mail_complaint"
    assert item.summary["collected"]["发件人"] == ZHANG and "邮件服务器未提供" in item.summary["collected"]["发件域验证"]
    assert len(kept.text) > 2000 and kept.text.count("详细经过") == 500  # the whole message is kept


def test_authentication_results_are_shown_but_are_not_identity(intake):
    t = tag()
    passed = message(f"投诉 {t}", "我要投诉", sender=f"<{ATTACKER}>")
    passed["Authentication-Results"] = "mx.refund.example.com; dkim=pass header.d=attacker.example.net; dmarc=pass"
    intake.send(passed, mail_from=ATTACKER)
    answer = intake.sink.wait(ATTACKER, t)
    assert "登记的邮箱" in answer.plain
    kept = last_mail(intake, t)
    assert kept.auth_passed is True and kept.outcome == MailOutcome.UNKNOWN_SENDER and kept.customer_id is None


def test_something_the_reader_cannot_place_goes_to_an_agent(intake):
    t = tag()
    intake.send(message(f"你好 {t}", "上次那个事情怎么说？"), mail_from=ZHANG)
    reply = intake.sink.wait(ZHANG, t)
    assert "没能确定" in reply.plain
    kept = last_mail(intake, t)
    with intake.sessions() as session:
        assert session.get(HandoffRow, kept.handoff_id).reason == "mail_unclear"


def test_a_flood_from_one_sender_is_kept_unanswered_then_deferred(tmp_path):
    with mail_service(tmp_path, REFUND_MAIL_PER_SENDER_PER_HOUR="2") as small:
        flooder = "flood@example.org"
        sent = 0
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            for n in range(20):
                small.send(message(f"退款 {n}", "退款", sender=flooder), mail_from=flooder)
                sent += 1
        assert refused.value.smtp_code == 451 and sent == 10  # 5 × the allowance, then "try later"
        time.sleep(1.5)
        assert len(small.sink.to(flooder)) == 2
        with small.sessions() as session:
            outcomes = list(session.scalars(select(MailMessageRow.outcome).order_by(MailMessageRow.id)))
        assert outcomes == [MailOutcome.UNKNOWN_SENDER] * 2 + [MailOutcome.FLOOD] * 8


def test_health_ready_and_metrics(intake):
    import json
    import urllib.request

    base = f"http://127.0.0.1:{intake.http_port}"
    with urllib.request.urlopen(f"{base}/health") as health:
        assert json.loads(health.read())["status"] == "ok"
    with urllib.request.urlopen(f"{base}/ready") as ready:
        assert json.loads(ready.read())["status"] == "ready"
    with urllib.request.urlopen(f"{base}/metrics") as scraped:
        text = scraped.read().decode()
    assert "refund_mail_received_total" in text and "refund_mail_replies_total" in text
