"""One quote, carried whole (SQLite and PostgreSQL): a ticket is filed only for the very quote
the customer was shown (its fingerprint), stores all of it, and keeps the fields of its reason
only; the reviewer's page shows that quote, in the words of its kind and reason."""
from decimal import Decimal

import pytest

from bot.refunds import ticket_replies
from bot.refunds.service import QuoteChanged, quote_fingerprint
from bot.storage.seed import demo_order
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.web.review_pages import ticket_details
from tests.conftest import NOW

FORM = {"incident_time": "昨天晚上", "incident_instance": "ins-x", "incident_description": "连不上",
        "evidence_links": "https://pan.example.com/s/1", "duplicate_confirmed": True}


def test_only_the_quote_shown_is_filed(service):
    """`/affirm{"order_id": …}` typed at the confirmation filed another (own) order unseen."""
    shown = service.quote("c1001", demo_order("in_window").order_id, "demand_change")
    other = demo_order("standard_voucher").order_id
    with pytest.raises(QuoteChanged) as changed:
        service.file("c1001", other, "demand_change", {}, confirmed=quote_fingerprint("refund", shown))
    assert changed.value.quote.order_id == other  # the quote to show and ask about instead
    with pytest.raises(QuoteChanged):  # nothing shown, nothing filed
        service.file("c1001", other, "demand_change", {}, confirmed="")
    with pytest.raises(QuoteChanged):  # the same order, another reason: asked again as well
        service.file("c1001", shown.order_id, "wrong_purchase", {}, confirmed=quote_fingerprint("refund", shown))
    assert service.tickets_for("c1001") == [t for t in service.tickets_for("c1001") if t.status == "refunded"]
    filed = service.file("c1001", shown.order_id, "demand_change", {}, confirmed=quote_fingerprint("refund", shown))
    assert filed.created and filed.ticket.quote == shown.to_dict()
    again = service.file("c1001", shown.order_id, "demand_change", {}, confirmed=quote_fingerprint("refund", shown))
    assert not again.created and again.ticket.ticket_id == filed.ticket.ticket_id  # a retry finds it


def test_a_downgrade_and_a_claim_are_bound_to_their_quote_too(service):
    big, down = demo_order("downgrade"), demo_order("sla_claim")
    shown = service.quote_downgrade("c1004", big.order_id, "ecs.4c8g")
    with pytest.raises(QuoteChanged):  # another configuration than the one quoted
        service.file_downgrade("c1004", big.order_id, "ecs.2c4g", confirmed=quote_fingerprint("downgrade", shown))
    with pytest.raises(QuoteChanged):  # the same quote confirmed as another kind
        service.file_sla_claim("c1004", down.order_id, confirmed=quote_fingerprint("downgrade", shown))
    ticket = service.file_downgrade("c1004", big.order_id, "ecs.4c8g",
                                    confirmed=quote_fingerprint("downgrade", shown)).ticket
    assert ticket.quote == shown.to_dict()


def test_a_ticket_keeps_the_fields_of_its_reason_only(service):
    plain = service.file("c1001", demo_order("in_window").order_id, "demand_change", dict(FORM)).ticket
    assert plain.details == {}  # no 「出问题的实例」 on a ticket about no problem
    outage = service.file("c1001", demo_order("service_issue").order_id, "service_issue", dict(FORM)).ticket
    assert set(outage.details) == {"incident_time", "incident_instance", "incident_description", "evidence_links"}
    twice = service.file("c1001", demo_order("duplicate").order_id, "duplicate_payment", dict(FORM)).ticket
    assert set(twice.details) == {"duplicate_confirmed", "evidence_links"}


def test_the_reviewer_reads_the_whole_quote_in_the_words_of_its_kind(service):
    outage = service.file("c1001", demo_order("service_issue").order_id, "service_issue", dict(FORM)).ticket
    view = ticket_details(outage)
    terms = {t["label"]: t["value"] for t in view["terms"]}
    quote = outage.quote
    assert Decimal(quote["refund_gift_credit"]) > 0 and "赠送金" in terms["现金 / 赠送金"]
    assert quote["refund_cash"].replace(".00", "") in terms["现金 / 赠送金"].replace(",", "").replace(".00", "")
    assert "故障" in terms["另发 SLA 补偿代金券"] and "原支付渠道" in terms["退回去向"]
    assert "审核" in terms["承诺日期"] and "到账" in terms["承诺日期"]
    assert [d["label"] for d in view["details"]] == ["问题发生时间", "出问题的实例", "问题描述", "客户提供的材料"]
    twice = service.file("c1001", demo_order("duplicate").order_id, "duplicate_payment", dict(FORM)).ticket
    view = ticket_details(twice)
    assert "保留资源" in view["kind"] and "释放" not in view["kind"] and "不释放资源" in view["kind_note"]
    assert [d["label"] for d in view["details"]] == ["客户提供的材料", "客户确认重复扣款"]
    plain = service.file("c1001", demo_order("in_window").order_id, "demand_change", dict(FORM)).ticket
    assert ticket_details(plain)["details"] == [] and "释放" in ticket_details(plain)["kind"]


def test_what_the_reviewer_writes_to_the_customer_is_in_the_status_answer(seeded, service):
    ticket = service.file("c1001", demo_order("in_window").order_id, "demand_change", {}).ticket
    flow = TicketWorkflow(TicketStore(seeded), service.policy, lambda: NOW)
    flow.take(ticket.ticket_id, "r1")
    asked = flow.request_info(ticket.ticket_id, "r1", ["支付凭证"], "请上传支付宝账单截图，需能看到订单号")
    assert "请上传支付宝账单截图，需能看到订单号" in ticket_replies.status_text(asked)
    assert "请上传支付宝账单截图" in ticket_replies.reviewer_news(asked)
    assert "请上传支付宝账单截图" in ticket_replies.supplement_question(asked, "https://x/upload")
