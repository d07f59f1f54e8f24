"""Two Rasa servers, two action servers and two websites behind nginx, on PostgreSQL and
Redis: a conversation may move between instances and nothing is lost or done twice."""
from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request

from sqlalchemy import func, select

from bot.storage.schema import TicketRow
from bot.storage.seed import demo_order
from bot.web.rasa_client import RasaClient
from harness.cluster import instance_counts
from harness.servers import TOKEN, chat_token
from tests.widget_client import WidgetClient, run

ORDER = demo_order("in_window").order_id


def user_texts(tracker):
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def tickets_for(cluster, order_id: str) -> int:
    with cluster.sessions() as db:
        return db.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.order_id == order_id))


async def widget(sessions, url: str, customer: str | None, session_id: str | None = None) -> WidgetClient:
    client = WidgetClient(url, chat_token(sessions, customer) if customer else None)
    await client.start(session_id)
    return client


def test_a_conversation_moving_between_instances_loses_and_repeats_nothing(fresh_cluster):
    rasa1, rasa2 = fresh_cluster.rasa_urls["rasa1"], fresh_cluster.rasa_urls["rasa2"]

    async def scenario():
        first = await widget(fresh_cluster.sessions, rasa1, "c1001")
        await first.say(f"我要退款，订单{ORDER}", wait_for="退款的原因")
        # The same customer continues from another tab whose socket landed on the other instance.
        second = await widget(fresh_cluster.sessions, rasa2, "c1001", first.session_id)
        quote = await second.say("需求变化", wait_for="确认提交")
        # Both tabs press "confirm" at once, each through its own instance.
        seen = len(first.messages)
        await asyncio.gather(first.sio.emit("user_uttered", {"message": "确认"}),
                             second.sio.emit("user_uttered", {"message": "确认"}))
        # Both turns must land in the conversation, each answered (the second waits for the
        # conversation lock in Redis, however long the first one takes).
        for _ in range(600):
            events = (await asyncio.to_thread(fresh_cluster.tracker, first.session_id))["events"]
            if user_texts({"events": events}).count("确认") == 2 and events[-1]["event"] != "user" \
                    and len(first.messages) - seen >= 2:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        answers = [m.get("text", "") for m in first.messages[seen:]]
        await first.stop()
        await second.stop()
        return first.session_id, second.session_id, quote, answers

    first_id, second_id, quote, answers = run(scenario())
    assert second_id == first_id and "五天无理由全额退订" in quote
    # The double submit files once; a repeated confirmation names that same ticket.
    filed = [re.search(r"工单号 (RF\d+)", a).group(1) for a in answers if "已为您提交退款申请" in a]
    assert len(set(filed)) == 1, answers
    assert len(answers) >= 2  # the second confirm was answered too, not dropped
    assert tickets_for(fresh_cluster, ORDER) == 1
    texts = user_texts(fresh_cluster.tracker(first_id, "rasa2"))
    assert texts[:2] == [f"我要退款，订单{ORDER}", "需求变化"] and sorted(texts[2:]) == ["确认", "确认"]
    assert fresh_cluster.tracker(first_id, "rasa1")["events"] == fresh_cluster.tracker(first_id, "rasa2")["events"]


def test_the_balancer_keeps_each_socket_on_one_instance_and_spreads_customers(fresh_cluster):
    before = instance_counts(fresh_cluster)

    async def customer(index: int) -> str:
        client = await widget(fresh_cluster.sessions, fresh_cluster.public_url, ("c1001", "c1002", "c1003")[index % 3])
        try:
            await client.say("你们的退款政策是什么", wait_for="无理由退订")
            await client.say("包年包月的可以退吗", wait_for="退")
            return await client.say("谢谢", wait_for="")
        finally:
            await client.stop()

    async def scenario():
        return await asyncio.gather(*(customer(i) for i in range(20)))

    run(scenario())  # long-polling breaks ("unknown session") if a socket's requests were split
    after = instance_counts(fresh_cluster)
    served = [b - a for a, b in zip(before, after)]
    assert sum(served) >= 60 and all(count > 0 for count in served), served


def test_an_agent_reply_sent_through_any_instance_reaches_the_customers_socket(fresh_cluster):
    async def scenario():
        client = await widget(fresh_cluster.sessions, fresh_cluster.rasa_urls["rasa1"], "c1001")
        await client.say("你好", wait_for="")
        results = []
        for url in (fresh_cluster.rasa_urls["rasa2"], fresh_cluster.rasa_api_url):
            text = f"人工客服小王：您好，我来帮您处理（经 {url[-5:]}）"
            seen = len(client.messages)
            results.append(await RasaClient(url, TOKEN).push_bot_message(client.session_id, text))
            for _ in range(100):
                if any(m.get("text") == text for m in client.messages[seen:]):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"agent message via {url} never reached the widget")
        await client.stop()
        return results

    assert run(scenario()) == [True, True]


def test_rasa_restarted_in_the_middle_of_a_refund_form_resumes_where_it_was(fresh_cluster):
    rasa1, rasa2 = fresh_cluster.rasa_urls["rasa1"], fresh_cluster.rasa_urls["rasa2"]

    async def scenario():
        client = await widget(fresh_cluster.sessions, rasa1, "c1001")
        session_id = client.session_id
        await client.say(f"我要退款，订单{ORDER}", wait_for="退款的原因")
        await asyncio.to_thread(fresh_cluster.processes.kill, "rasa1")
        await client.stop()
        # While rasa1 is down the customer carries on at the other instance ...
        other = await widget(fresh_cluster.sessions, rasa2, "c1001", session_id)
        quote = await other.say("需求变化", wait_for="确认提交")
        await other.stop()
        # ... and after rasa1 is back, there, exactly where the form was.
        await asyncio.to_thread(fresh_cluster.processes.restart, "rasa1")
        back = await widget(fresh_cluster.sessions, rasa1, "c1001", session_id)
        filed = await back.say("确认", wait_for="工单号")
        await back.stop()
        return session_id, back.session_id, quote, filed

    session_id, resumed_id, quote, filed = run(scenario())
    assert resumed_id == session_id
    assert "五天无理由全额退订" in quote and "已为您提交退款申请" in filed
    assert tickets_for(fresh_cluster, ORDER) == 1
    assert user_texts(fresh_cluster.tracker(session_id)) == [f"我要退款，订单{ORDER}", "需求变化", "确认"]


def test_services_log_json_lines_with_conversation_and_ticket_ids_and_masked_personal_data(fresh_cluster):
    phone = "13812345678"

    async def scenario():
        client = await widget(fresh_cluster.sessions, fresh_cluster.rasa_urls["rasa2"], "c1001")
        await client.say(f"我的手机号是{phone}", wait_for="")
        await client.say(f"我要退款，订单{ORDER}", wait_for="退款的原因")
        await client.say("需求变化", wait_for="确认提交")
        filed = await client.say("确认", wait_for="工单号")
        await client.stop()
        return client.session_id, re.search(r"工单号 (RF\d+)", filed).group(1)

    session_id, ticket_id = run(scenario())
    lines = {}
    for path in fresh_cluster.workdir.glob("*.log"):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert phone not in text, f"{path.name} logged the phone number"
        lines[path.stem] = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(e.get("conversation_id") == session_id and e["logger"].startswith("bot.channels")
               for e in lines["rasa2"])
    assert any(e.get("conversation_id") == session_id for name in ("actions1", "actions2") for e in lines[name])
    assert any(e.get("ticket_id") == ticket_id and e.get("conversation_id") == session_id
               for name in ("actions1", "actions2") for e in lines[name])


def metrics_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode("utf-8")


def sample(body: str, name: str) -> float:
    """Sum of a metric's samples (all label sets)."""
    return sum(float(line.split()[-1]) for line in body.splitlines() if line.startswith(name))


def test_every_service_exposes_prometheus_metrics_and_the_proxy_hides_them(fresh_cluster):
    async def scenario():
        client = await widget(fresh_cluster.sessions, fresh_cluster.public_url, "c1001")
        await client.say("/nlu_fallback", wait_for="")  # what the NLU emits when it does not understand
        await client.say(f"我要退款，订单{ORDER}", wait_for="退款的原因")
        await client.say("需求变化", wait_for="确认提交")
        await client.say("确认", wait_for="工单号")
        await client.stop()

    run(scenario())
    rasa = [metrics_of(f"{url}/webhooks/refund_socket/metrics") for url in fresh_cluster.rasa_urls.values()]
    assert sum(sample(body, "refund_messages_total") for body in rasa) >= 4
    assert sum(sample(body, "refund_turn_seconds_count") for body in rasa) >= 4
    actions = [metrics_of(url.replace("/webhook", "/metrics")) for url in fresh_cluster.action_urls.values()]
    assert sum(sample(body, "refund_action_runs_total") for body in actions) >= 3
    assert sum(sample(body, "refund_fallbacks_total") for body in actions) >= 1
    web = metrics_of(f"{fresh_cluster.web_urls['web1']}/metrics")
    with fresh_cluster.sessions() as db:
        submitted = db.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.status == "submitted"))
    assert f'refund_tickets{{state="submitted"}} {float(submitted)}' in web
    assert "refund_handoffs" in web and "refund_http_requests_total" in web
    for spelling in ("/metrics", "/metrics/", "/metrics//", "/metrics/x", "//metrics", "/metrics?x=1", "/%6detrics"):
        try:
            urllib.request.urlopen(f"{fresh_cluster.public_url}{spelling}", timeout=10)
            raise AssertionError(f"the public proxy served {spelling}")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404, spelling


def test_the_proxy_limits_bodies_except_for_the_upload(fresh_cluster):
    """Small bodies everywhere before authentication; the upload route alone may be large."""
    big = b"x" * (256 * 1024)
    request = urllib.request.Request(f"{fresh_cluster.public_url}/login", data=big,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("the proxy passed a 256 KB login body")
    except urllib.error.HTTPError as exc:
        assert exc.code == 413
    upload = urllib.request.Request(f"{fresh_cluster.public_url}/upload/not-a-link", data=big,
                                    headers={"Content-Type": "multipart/form-data; boundary=x"})
    try:
        urllib.request.urlopen(upload, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code != 413  # reaches the website, which asks for a login
