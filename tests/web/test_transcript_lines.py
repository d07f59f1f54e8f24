"""The staff transcript shows what people said: a turn the website triggered after an upload is
not a customer line (the assistant's 「已收到」 line shows the upload)."""
from bot.web.console_views import transcript


def test_a_triggered_turn_is_no_customer_line():
    events = [
        {"event": "user", "text": "服务器宕机了 要退款", "timestamp": 1.0, "metadata": {}},
        {"event": "bot", "text": "已收到您上传的 1 个文件：截图.png。", "timestamp": 2.0},
        {"event": "user", "text": "EXTERNAL: evidence_uploaded", "timestamp": 3.0, "metadata": {"is_external": True}},
        {"event": "bot", "text": "确认提交退款申请吗？", "timestamp": 4.0},
    ]
    assert [(line["who"], line["text"]) for line in transcript(events)] == [
        ("customer", "服务器宕机了 要退款"), ("assistant", "已收到您上传的 1 个文件：截图.png。"),
        ("assistant", "确认提交退款申请吗？")]
