"""Orders described in words, against the demo customer's orders (seeded data)."""
import pytest

from bot.nlu.extract import extract_entities
from bot.nlu.normalize import normalize_text
from bot.refunds.order_reference import OrderClues, resolve_order_reference
from bot.storage.seed import demo_order
from tests.conftest import NOW


def refer(text, orders):
    """As in the conversation: the NLU's entities of the message, matched against the orders."""
    entities = [{"entity": e.entity, "value": e.value} for e in extract_entities(normalize_text(text), NOW)]
    return resolve_order_reference(OrderClues.from_entities(entities), orders)


@pytest.fixture
def orders(service):
    return service.refundable_orders("c1001")


def ids(reference):
    return [o.order_id for o in reference.orders]


@pytest.mark.parametrize("text,key", [
    ("就8核16G那台", "service_issue"),
    ("8c16g的", "service_issue"),
    ("续费的那个 4核8G", "unstarted_renewal"),
    ("双十一抢的那个99块的轻量服务器", "promotional"),
    ("活动买的轻量", "promotional"),
    ("数据库那个", "duplicate"),
    ("RDS", "duplicate"),
    ("CDN流量包", "quota_used"),
    ("800块的那个", "duplicate"),
])
def test_one_description_one_order(orders, text, key):
    assert ids(refer(text, orders)) == [demo_order(key).order_id]


def test_ordinals_follow_the_list_the_customer_was_shown(orders):
    assert ids(refer("第一个", orders)) == [orders[0].order_id]
    assert ids(refer("第2个", orders)) == [orders[1].order_id]
    assert ids(refer("最后一个", orders)) == [orders[-1].order_id]
    assert ids(refer("第二十个", orders)) == []
    assert ids(refer("选第三", orders)) == [orders[2].order_id]
    assert refer("我第一次买服务器", orders).clues == ("product",)  # 第一次 is no position


def test_a_vague_description_gives_every_candidate(orders):
    found = refer("4核8G那台", orders)
    assert set(ids(found)) == {demo_order("standard_voucher").order_id, demo_order("unstarted_renewal").order_id}
    servers = refer("那台云主机", orders)
    assert demo_order("promotional").order_id in ids(servers)  # a lightweight server is a server too
    assert demo_order("duplicate").order_id not in ids(servers)


def test_a_description_that_fits_nothing_or_no_description(orders):
    assert refer("32核64G的", orders).understood and ids(refer("32核64G的", orders)) == []
    assert not refer("你好", orders).understood


@pytest.mark.parametrize("entity, value", [("ordinal", "x"), ("ordinal", "-3"), ("ordinal", "99999"),
                                           ("amount", "sNaN"), ("amount", "Infinity"), ("date", "yesterday"),
                                           ("spec", "lots")])
def test_entities_typed_by_hand_are_no_clue_and_never_crash(orders, entity, value):
    reference = resolve_order_reference(OrderClues.from_entities([{"entity": entity, "value": value}]), orders)
    assert not reference.understood


def refer_words(text, orders, now=NOW):
    """The reader's clues (entities and the words themselves), as the refund form reads them."""
    plain = normalize_text(text)
    entities = [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
                for e in extract_entities(plain, now)]
    return resolve_order_reference(OrderClues.from_message(plain, entities, now), orders, now)


@pytest.mark.parametrize("text,keys", [
    ("内存32G的那台", []),
    ("把16G内存那台停了吧", ["service_issue"]),
    ("两核的那个", ["in_window"]),
    ("那台六十四核的", []),
    ("八核十六G那台", ["service_issue"]),
    ("1T的流量包", ["quota_used"]),
    ("4核8G 不是续费那个", ["standard_voucher"]),
    ("4核8G的 非续费", ["standard_voucher"]),
    ("两千四的那个", ["standard_voucher", "unstarted_renewal"]),
    ("一千二那个", ["in_window"]),
    ("还没生效的那单", ["unstarted_renewal"]),
    ("最底下那个", ["{last}"]),
    ("刚买的", ["in_window", "promotional", "quota_used"]),  # not the renewal placed today
    ("刚开的那台", ["in_window", "promotional"]),  # counted with 台: not the traffic package
    ("大约两个月以前买的", ["standard_voucher"]),
])
def test_words_the_entities_miss(service, orders, text, keys):
    expected = [orders[-1].order_id if k == "{last}" else demo_order(k).order_id for k in keys]
    found = refer_words(text, orders)
    assert found.understood
    assert sorted(ids(found)) == sorted(expected)
