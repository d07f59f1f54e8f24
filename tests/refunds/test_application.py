"""The website's refund application (SQLite and PostgreSQL, demo data, the clock at NOW): the
chat's use cases, policy and checks for a form — which orders can be applied for and why not,
each field's rule, the quote, and filing exactly the confirmed quote once, with its files."""
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.config import load_policy
from bot.refunds import form_texts, ticket_replies
from bot.refunds.application import AlreadyFiled, Application, SelfService, incident_moment, new_draft
from bot.refunds.service import QuoteChanged, RefundService
from bot.security.tokens import UploadGrant
from bot.settings import PROJECT_ROOT
from bot.storage.seed import demo_order, seed_demo
from bot.tickets.store import TicketStore
from bot.tickets.workflow import TicketWorkflow
from bot.uploads.store import UploadStore
from tests.conftest import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
IN_WINDOW, OUTAGE, DUPLICATE = demo_order("in_window"), demo_order("service_issue"), demo_order("duplicate")


@pytest.fixture
def uploads(seeded, tmp_path):
    return UploadStore(seeded, tmp_path / "files", max_bytes=1024, max_files=3)


@pytest.fixture
def web(service, uploads):
    return SelfService(service, uploads)


def problem_fields(web, application, customer="c1001"):
    return set(web.problems(customer, application).fields)


def test_every_order_is_listed_with_what_can_be_done_and_why_not(web):
    choices = {c.order.order_id: c for c in web.orders("c1001")}
    assert set(choices) == {o.order_id for o in demo_orders("c1001")}
    assert choices[IN_WINDOW.order_id].kinds[0] == "refund" and choices[IN_WINDOW.order_id].blocked is None
    assert "按量付费" in choices[demo_order("payg").order_id].blocked
    assert choices[demo_order("expired").order_id].state == form_texts.ORDER_EXPIRED
    settled = choices[demo_order("quota_consumer").order_id]
    assert settled.ticket is not None and settled.ticket.ticket_id in settled.blocked
    assert choices[demo_order("unstarted_renewal").order_id].state == form_texts.ORDER_NOT_STARTED
    kept = {c.order.order_id: c.kinds for c in web.orders("c1004")}
    assert kept[demo_order("downgrade").order_id] == ("refund", "downgrade", "sla_claim")


def demo_orders(customer):
    from bot.storage.seed import DEMO_ORDERS

    return [o for o in DEMO_ORDERS if o.customer_id == customer]


def test_an_order_of_another_customer_is_as_unknown_as_one_that_does_not_exist(web):
    foreign = web.problems("c1001", Application(order_id=demo_order("other_customer").order_id))
    unknown = web.problems("c1001", Application(order_id="2026000000000000"))
    assert foreign.fields == unknown.fields == {"order_id": form_texts.ORDER_NOT_FOUND}
    assert web.choice("c1001", demo_order("other_customer").order_id) is None
    assert web.choice("c1001", "'; DROP TABLE orders; --") is None


@pytest.mark.parametrize("changes, wrong", [
    ({"kind": "downgrade"}, {"spec_code"}),
    ({"kind": "downgrade", "spec_code": "ecs.8c16g"}, {"spec_code"}),  # not cheaper than it is
    ({"kind": "approve"}, {"kind"}),
    ({"reason": ""}, {"reason"}),
    ({"reason": "free_money"}, {"reason"}),
    ({"reason": "service_issue"}, {"incident_time", "description"}),
    ({"reason": "service_issue", "time_unknown": True, "description": "连不上"}, set()),
    ({"reason": "service_issue", "incident_time": "下周三", "description": "连不上"}, {"incident_time"}),
    ({"reason": "service_issue", "incident_time": "2099-01-01 10:00", "description": "连不上"}, {"incident_time"}),
    ({"reason": "service_issue", "incident_time": "2026-11-23 20:30", "description": "卡"}, {"description"}),
    ({"reason": "service_issue", "time_unknown": True, "description": "长" * 2001}, {"description"}),
    ({"reason": "service_issue", "time_unknown": True, "description": "连不上", "incident_instance": "ins-m1n2b3v4"},
     {"incident_instance"}),  # another customer's instance
    ({"reason": "service_issue", "time_unknown": True, "description": "连不上", "incident_instance": "i-1"},
     {"incident_instance"}),
    ({"draft": "../../etc"}, {"draft"}),
])
def test_each_field_follows_the_chat_forms_rule(web, changes, wrong):
    application = replace(Application(order_id=OUTAGE.order_id, reason="demand_change",
                                      incident_instance=OUTAGE.instance_id), **changes)
    assert problem_fields(web, application) == wrong


def test_a_duplicate_charge_is_confirmed_against_the_bills_own_records(web):
    application = Application(order_id=DUPLICATE.order_id, reason="duplicate_payment")
    assert problem_fields(web, application) == {"duplicate_confirmed"}
    confirmed = replace(application, duplicate_confirmed=True)
    assert problem_fields(web, confirmed) == set()
    primary, duplicates = web.duplicate_payments("c1001", DUPLICATE.order_id)
    assert primary is not None and len(duplicates) == 1
    offer = web.offer("c1001", confirmed)
    assert offer.fileable and offer.quote.refund == duplicates[0].amount


def test_the_offer_says_what_the_chat_says(web, service):
    plain = web.offer("c1001", Application(order_id=IN_WINDOW.order_id, reason="demand_change"))
    assert plain.fileable and not plain.manual_review
    assert plain.quote == service.quote("c1001", IN_WINDOW.order_id, "demand_change")
    promo = web.offer("c1001", Application(order_id=demo_order("promotional").order_id, reason="demand_change"))
    assert promo.fileable and promo.manual_review  # refused, but a reviewer may look at it
    single = web.offer("c1001", Application(order_id=IN_WINDOW.order_id, reason="duplicate_payment"))
    assert not single.fileable  # no second charge on record: nothing to file
    down = web.offer("c1004", Application(order_id=demo_order("downgrade").order_id, kind="downgrade",
                                          spec_code="ecs.2c4g"))
    assert down.fileable and down.quote.target_spec == "2核4G"
    claim = web.offer("c1004", Application(order_id=demo_order("sla_claim").order_id, kind="sla_claim"))
    assert claim.fileable and claim.quote.rule == "sla_compensation"


def test_filing_files_the_confirmed_quote_once_with_its_files(web, service, uploads, seeded):
    draft = new_draft()
    uploads.save_all(UploadGrant("c1001", draft, None), [("监控.png", PNG)], NOW)
    application = Application(order_id=OUTAGE.order_id, reason="service_issue", incident_time="2026-11-23 20:30",
                              incident_instance=OUTAGE.instance_id, description="网站打不开",
                              links="https://pan.example.com/s/abc 提取码：x1y2", draft=draft)
    offer = web.offer("c1001", application)
    filing = web.file("c1001", application, offer.fingerprint, NOW)
    ticket = filing.ticket
    assert filing.created and ticket.quote == offer.quote.to_dict() and ticket.conversation_id is None
    assert ticket.details["incident_time"].startswith("2026-11-23T20:30:00+08:00")
    assert ticket.details["incident_instance"] == OUTAGE.instance_id
    assert "https://pan.example.com/s/abc 提取码：x1y2" in ticket.details["evidence_links"]
    assert ("link", "https://pan.example.com/s/abc 提取码：x1y2") in [(e.kind, e.content) for e in ticket.evidence]
    assert [u.filename for u in uploads.for_ticket("c1001", ticket.ticket_id)] == ["监控.png"]
    assert uploads.for_draft("c1001", draft) == []
    assert ticket.events[0].note == form_texts.CHANNEL_NAME  # reviewers see how it came
    # The chat's own answers know it: the same ticket, whichever channel filed it.
    assert ticket in service.tickets_for("c1001")
    assert ticket.ticket_id in ticket_replies.status_text(service.ticket("c1001", ticket.ticket_id))
    with pytest.raises(AlreadyFiled) as again:  # the same confirmation sent again
        web.file("c1001", application, offer.fingerprint, NOW)
    assert again.value.ticket.ticket_id == ticket.ticket_id and again.value.ticket.is_open


def test_a_confirmation_used_once_files_nothing_after_its_ticket_is_withdrawn(web, service, seeded):
    application = Application(order_id=IN_WINDOW.order_id, reason="demand_change")
    offer = web.offer("c1001", application)
    ticket = web.file("c1001", application, offer.fingerprint, NOW).ticket
    workflow = TicketWorkflow(TicketStore(seeded), service.policy, clock=lambda: NOW)
    workflow.withdraw("c1001", ticket.ticket_id)
    with pytest.raises(AlreadyFiled) as replayed:
        web.file("c1001", application, offer.fingerprint, NOW)
    assert not replayed.value.ticket.is_open
    assert [t.ticket_id for t in service.tickets_for("c1001") if t.order_id == IN_WINDOW.order_id] == [ticket.ticket_id]
    fresh = web.offer("c1001", application)  # a new quote, confirmed anew, may file again
    assert web.file("c1001", application, fresh.fingerprint, NOW + timedelta(minutes=1)).created


def test_a_quote_that_is_not_the_one_confirmed_files_nothing(web, service):
    shown = web.offer("c1001", Application(order_id=IN_WINDOW.order_id, reason="demand_change"))
    with pytest.raises(QuoteChanged):  # the fingerprint of another reason's quote
        web.file("c1001", Application(order_id=IN_WINDOW.order_id, reason="wrong_purchase"), "0" * 32, NOW)
    with pytest.raises(QuoteChanged):
        web.file("c1001", Application(order_id=demo_order("standard_voucher").order_id, reason="demand_change"),
                 shown.fingerprint, NOW)
    assert all(t.status == "refunded" for t in service.tickets_for("c1001"))


@pytest.mark.parametrize("typed, expected", [
    ("2026-11-23 20:30", "2026-11-23T20:30:00+08:00"), ("2026/11/23 20:30", "2026-11-23T20:30:00+08:00"),
    ("2026年11月23日 20点30分", "2026-11-23T20:30:00+08:00"), ("2026-11-23", "2026-11-23T00:00:00+08:00"),
    ("2026-11-23T12:30:00+00:00", "2026-11-23T12:30:00+00:00"), ("2026-02-30 10:00", None), ("昨天", None),
    ("1999-01-01", None), ("2026-11-23 24:00", None), ("", None),
])
def test_times_are_read_as_beijing_time(typed, expected):
    moment = incident_moment(typed)
    assert (moment.isoformat() if moment else None) == expected


# --- any application at all ------------------------------------------------------------------------

ORDERS = st.sampled_from([o.order_id for o in demo_orders("c1001")] + [demo_order("other_customer").order_id, "",
                                                                        "9" * 16, "x" * 40])
APPLICATIONS = st.builds(
    Application, order_id=ORDERS, kind=st.sampled_from(["refund", "downgrade", "sla_claim", "", "x"]),
    reason=st.sampled_from(["demand_change", "service_issue", "duplicate_payment", "wrong_purchase", "", "?"]),
    spec_code=st.sampled_from(["", "ecs.1c2g", "ecs.2c4g", "x"]),
    incident_time=st.sampled_from(["", "2026-11-23 20:30", "2026-11-25 09:00", "2030-01-01", "乱写"]),
    time_unknown=st.booleans(), incident_instance=st.sampled_from(["", "ins-s1a2b3c4", "ins-m1n2b3v4", "ins"]),
    description=st.text(max_size=30), links=st.text(max_size=20), duplicate_confirmed=st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(application=APPLICATIONS)
def test_any_application_is_refused_with_reasons_or_files_the_policys_amount(sessions, tmp_path, application):
    """Whatever the form holds: a field-by-field refusal, or an offer; a fileable offer files
    a ticket of the customer's own order at exactly the amount the policy quotes now."""
    seed_demo(sessions, now=NOW, reset=True)
    policy = load_policy(PROJECT_ROOT / "policies" / "default.yml")
    service = RefundService(SqlBillingAdapter(sessions), TicketStore(sessions), policy, clock=lambda: NOW)
    web = SelfService(service, UploadStore(sessions, tmp_path / "files", 1024, 3))
    application = application.relevant()
    if web.problems("c1001", application):
        return
    assert web.choice("c1001", application.order_id) is not None  # only ever the customer's own
    offer = web.offer("c1001", application)
    if not offer.fileable:
        return
    filing = web.file("c1001", application, offer.fingerprint, NOW)
    assert filing.created and filing.ticket.customer_id == "c1001"
    assert filing.ticket.quoted_amount == offer.quote.refund
    assert filing.ticket.manual_review == (not offer.quote.eligible)
