"""The customer's view: log in, chat a refund in the widget, upload evidence, ask the status,
reload the page and keep the conversation."""
from __future__ import annotations

import struct
import zlib

from sqlalchemy import select

from bot.storage.schema import TicketRow, UploadRow
from bot.storage.seed import demo_order
from tests.browser.widget import bot_texts, click_reply, file_refund, login, open_widget, send, session_id, wait_for_bot


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_refund_in_the_widget_then_status_and_reload(fresh_stack, context, artifacts):
    page = context.new_page()
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    file_refund(page, demo_order("in_window").order_id, screenshot=artifacts / "widget-quote.png")
    with fresh_stack.sessions() as db:
        ticket = db.scalars(select(TicketRow).where(TicketRow.order_id == demo_order("in_window").order_id)).one()
    assert ticket.ticket_id in bot_texts(page) and ticket.customer_id == "c1001"

    send(page, "查询退款进度")
    wait_for_bot(page, f"工单 {ticket.ticket_id}（订单 {ticket.order_id}")
    wait_for_bot(page, "当前状态：已提交")
    page.screenshot(path=str(artifacts / "widget-mid-conversation.png"), full_page=True)

    before = session_id(page)
    page.reload()
    open_widget(page)
    wait_for_bot(page, ticket.ticket_id)  # the history is still shown
    assert session_id(page) == before
    send(page, f"{ticket.ticket_id} 到哪一步了")
    page.wait_for_function(
        "([sel, s]) => Array.from(document.querySelectorAll(sel)).filter(e => e.innerText.includes(s)).length >= 2",
        arg=[".rw-messages-container .rw-response .rw-message-text", "当前状态：已提交"])
    tracker_events = fresh_stack.tracker(before)["events"]
    assert any(e.get("text") == f"{ticket.ticket_id} 到哪一步了" for e in tracker_events if e["event"] == "user")


def test_evidence_upload_is_confirmed_in_the_chat_and_linked_to_the_ticket(fresh_stack, context):
    order = demo_order("service_issue")
    page = context.new_page()
    login(page, fresh_stack.site_url)
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    send(page, "服务器老是宕机，我要退款")
    wait_for_bot(page, "请选择要退款的订单")
    click_reply(page, order.instance_id)
    wait_for_bot(page, "什么时候开始")
    send(page, "前天晚上8点")  # 「老是宕机」 said with the request describes the fault: not asked again
    wait_for_bot(page, "点此上传证明材料")
    link = page.locator(".rw-message-text a", has_text="点此上传证明材料").last.get_attribute("href")

    upload_page = context.new_page()
    upload_page.goto(link)
    upload_page.set_input_files("#files", [
        {"name": "outage.png", "mimeType": "image/png", "buffer": tiny_png()},
        {"name": "setup.exe", "mimeType": "image/png", "buffer": b"MZ\x90\x00" + b"\x00" * 64},
    ])
    upload_page.click("#upload-submit")
    assert "outage.png" in upload_page.inner_text("#upload-accepted")
    assert "setup.exe" in upload_page.inner_text(".upload-rejected") and "不支持" in upload_page.inner_text(".upload-rejected")

    wait_for_bot(page, "已收到您上传的 1 个文件：outage.png")
    send(page, "好了")
    wait_for_bot(page, "确认提交退款申请吗")
    click_reply(page, "确认提交")
    wait_for_bot(page, "工单号 RF")
    with fresh_stack.sessions() as db:
        ticket = db.scalars(select(TicketRow).where(TicketRow.order_id == order.order_id)).one()
        uploads = list(db.scalars(select(UploadRow).where(UploadRow.ticket_id == ticket.ticket_id)))
    assert [u.filename for u in uploads] == ["outage.png"] and uploads[0].content_type == "image/png"
    assert ticket.details["evidence_links"] == "已上传 1 个文件"
    assert "老是宕机" in ticket.details["incident_description"]


def test_every_control_of_the_widget_has_a_name_and_new_messages_are_announced(fresh_stack, context, artifacts):
    page = context.new_page()
    login(page, fresh_stack.site_url)
    page.wait_for_selector(".rw-launcher[aria-label]")
    assert page.get_attribute(".rw-launcher", "aria-label") == "打开或收起云途退款助手"
    open_widget(page)
    wait_for_bot(page, "我是云途退款助手")
    assert page.get_attribute(".rw-send", "aria-label") == "发送"
    assert page.get_attribute(".rw-new-message", "aria-label") == "输入您的问题"
    log = page.locator(".rw-messages-container")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")  # the keyboard reaches the controls
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(800)  # the widget's open animation, for a clean picture
    page.screenshot(path=str(artifacts / "widget-320px.png"), full_page=True)
