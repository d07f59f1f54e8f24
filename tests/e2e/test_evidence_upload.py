"""Files sent on the upload page answer the evidence question by themselves: the quote follows in
the open chat without the customer typing anything. An upload while the form asks something else
(or for a filed ticket) only says it was received."""
from __future__ import annotations

import asyncio
import http.cookiejar
import re
import urllib.request
import uuid
from typing import Dict, List

from sqlalchemy import select

from bot.security.tokens import UploadGrant, issue_upload_token
from bot.storage.schema import UploadRow
from bot.storage.seed import demo_order
from harness.servers import JWT_SECRET, chat_token, site_session_cookie
from tests.e2e.test_refund_journey import tickets_for
from tests.widget_client import WidgetClient, run

DOWN = demo_order("sla_claim")  # c1004's 2核4G server
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
UPLOAD_LINK = re.compile(r"https?://[^\s)\"'<>]+/upload/([A-Za-z0-9._~%-]+)")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def upload_through_the_page(bot, customer: str, token: str, filename: str) -> None:
    """What the upload page's form sends: the customer's site login, the page's CSRF token, one file."""
    url = f"{bot.site_url}/upload/{token}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = site_session_cookie(bot.sessions, customer)
    page = opener.open(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30).read().decode()
    csrf = CSRF_FIELD.search(page)
    assert csrf is not None, page
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf.group(1)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
    nonce = "; ".join(f"{c.name}={c.value}" for c in jar)
    answer = opener.open(urllib.request.Request(url, data=body, method="POST", headers={
        "Cookie": f"{cookie}; {nonce}", "Content-Type": f"multipart/form-data; boundary={boundary}"}), timeout=60)
    assert answer.status == 200 and filename in answer.read().decode()


def texts(messages: List[Dict]) -> str:
    return "\n".join([m.get("text", "") for m in messages]
                     + [r["title"] for m in messages for r in m.get("quick_replies", [])])


async def upload_and_listen(bot, client: WidgetClient, customer: str, token: str, filename: str,
                            wait_for: str, quiet: float = 1.5) -> str:
    """Upload, then what the open chat shows: until `wait_for` arrives, and `quiet` seconds more."""
    seen = len(client.messages)
    await asyncio.get_running_loop().run_in_executor(None, upload_through_the_page, bot, customer, token, filename)
    for _ in range(150):
        if wait_for in texts(client.messages[seen:]):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(quiet)
    return texts(client.messages[seen:])


def test_an_upload_at_the_evidence_question_brings_the_quote_into_the_chat(bot):
    async def scenario() -> Dict[str, str]:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1004"))
        await client.start()
        said = {"asked": await client.say(f"{DOWN.order_id} 这台昨天晚上一直连不上，服务全停了，麻烦退款", "上传")}
        link = UPLOAD_LINK.search(said["asked"])
        assert link is not None, said
        said["uploaded"] = await upload_and_listen(bot, client, "c1004", link.group(1), "机器告警.png", "确认提交")
        said["typed"] = await client.say("上传完了", "确认提交")  # as the evidence question asked
        said["filed"] = await client.say("确认", "工单号")
        await client.stop()
        return said

    said = run(scenario())
    assert "已收到您上传的 1 个文件：机器告警.png" in said["uploaded"], said
    assert "预计可退" in said["uploaded"] and "确认提交" in said["uploaded"], said
    assert "预计可退" in said["typed"] and "工单号" not in said["typed"], said  # no yes to filing
    [ticket] = tickets_for(bot, DOWN.order_id)
    assert ticket.ticket_id in said["filed"]
    with bot.sessions() as db:
        [row] = db.scalars(select(UploadRow).where(UploadRow.customer_id == "c1004"))
    assert row.filename == "机器告警.png" and row.ticket_id == ticket.ticket_id


def test_an_upload_while_the_form_asks_something_else_only_says_it_was_received(bot):
    async def scenario() -> Dict[str, str]:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1004"))
        session = await client.start()
        said = {"asked": await client.say("我想申请退款", "")}
        token = issue_upload_token(JWT_SECRET, UploadGrant("c1004", session, None))
        said["uploaded"] = await upload_and_listen(bot, client, "c1004", token, "账单.png", "已收到")
        await client.stop()
        return said

    said = run(scenario())
    assert "已收到您上传的 1 个文件：账单.png" in said["uploaded"], said
    assert said["uploaded"].count("\n") == 0 and "确认提交" not in said["uploaded"], said  # nothing else
    assert tickets_for(bot, DOWN.order_id) == []


def test_an_upload_to_a_filed_tickets_page_only_says_it_was_received(bot):
    async def scenario() -> Dict[str, str]:
        client = WidgetClient(bot.rasa_url, chat_token(bot.sessions, "c1004"))
        session = await client.start()
        said = {"asked": await client.say(f"{DOWN.order_id} 这台昨天晚上一直连不上，服务全停了，麻烦退款", "上传")}
        said["no"] = await client.say("没有截图", "确认提交")
        said["filed"] = await client.say("确认", "工单号")
        [ticket] = tickets_for(bot, DOWN.order_id)
        token = issue_upload_token(JWT_SECRET, UploadGrant("c1004", session, ticket.ticket_id))
        said["uploaded"] = await upload_and_listen(bot, client, "c1004", token, "补充截图.png", "已收到")
        await client.stop()
        return said

    said = run(scenario())
    assert "已收到您上传的 1 个文件：补充截图.png" in said["uploaded"] and "确认提交" not in said["uploaded"], said
    assert len(tickets_for(bot, DOWN.order_id)) == 1
