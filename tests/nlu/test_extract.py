"""Entities from customer text: ids however they are typed, never an id read as money or a date."""
from datetime import datetime, timezone

import pytest

from bot.nlu.extract import extract_entities
from bot.nlu.normalize import normalize_text

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def found(text):
    return [(e.entity, e.value) for e in extract_entities(normalize_text(text), NOW)]


@pytest.mark.parametrize("text", ["2026112500010008", "订单2026112500010008退款", "2026 1125 0001 0008",
                                  "2026-1125-0001-0008", "订单号：２０２６１１２５０００１０００８"])
def test_order_ids_however_typed(text):
    assert found(text) == [("order_id", "2026112500010008")]


def test_several_ids_are_all_found_in_order():
    assert [v for _, v in found("2026112500010008 还有 2026112400010001")] == ["2026112500010008", "2026112400010001"]


@pytest.mark.parametrize("text", ["2026-11-25", "电话 1380 0138 000", "12315", "20261125000100080"])
def test_not_order_ids(text):
    assert "order_id" not in [e for e, _ in found(text)]


def test_ticket_and_instance_ids_and_money():
    assert found("rf202611250001 和 INS-A1B2C3D4") == [("ticket_id", "RF202611250001"), ("instance_id", "ins-a1b2c3d4")]
    assert ("amount", "1200.00") in found("付了一千二百块")
    assert ("amount", "99.00") in found("¥99")


def test_the_robot_is_no_machine():
    assert ("product", "ecs,lighthouse") not in found("垃圾机器人")
    assert ("product", "ecs,lighthouse") in found("那台机器退了")
