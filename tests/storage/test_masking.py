import pytest

from bot.observability.masking import mask_personal_data


@pytest.mark.parametrize("raw, masked", [
    ("回电 13800138000", "回电 138****8000"),
    ("身份证 110101199003074518", "身份证 110101********4518"),
    ("身份证 11010119900307451X", "身份证 110101********451X"),
    ("卡号 6222021234567890123", "卡号 6222********0123"),
    ("邮箱 zhang.wei@example.com", "邮箱 z***@example.com"),
    ("订单号2026112400010001 退款", "订单号2026112400010001 退款"),
    ("工单 RF202611260001", "工单 RF202611260001"),
])
def test_masking(raw, masked):
    assert mask_personal_data(raw) == masked


def test_json_log_lines_carry_ids_and_mask_personal_data():
    import json
    import logging

    from bot.observability.logs import JsonFormatter

    record = logging.LogRecord("refund", logging.INFO, __file__, 1, "customer phone %s", ("13800138000",), None)
    record.conversation_id, record.ticket_id = "conv-1", "RF202611260001"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "customer phone 138****8000"
    assert line["conversation_id"] == "conv-1" and line["ticket_id"] == "RF202611260001" and line["level"] == "INFO"
