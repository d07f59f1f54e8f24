"""10,000 hostile messages through the real widget channel (seeded, reproducible): random
Unicode, 100 KB text, control and zero-width characters, right-to-left text, emoji, SQL/HTML/JS,
fake /intent{...} and slot injections, malformed socket events and JSON.

Pass: every chat message is answered; nothing crashes; Rasa's memory stays bounded; and
nothing typed changes identity, amounts, ticket states or action-only slots."""
from __future__ import annotations

import asyncio
import os
import random
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

import pytest
from sqlalchemy import select, update

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.clock import utcnow
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.security.tokens import issue_chat_token
from bot.settings import PROJECT_ROOT
from bot.storage.schema import HandoffRow, TicketEventRow, TicketRow, UploadRow
from bot.storage.seed import add_demo_order, demo_order
from bot.tickets.store import TicketStore
from bot.vocabulary import TicketStatus
from harness.raw_socket import RawSocket, SocketClosed
from harness.servers import chat_token
from tests.security.campaign import FOREIGN_CUSTOMER, OTHER_OWN_ORDER, OWN_ORDER, Probe, generate
from tests.widget_client import run

SEED = 20261126
PROBES = int(os.environ.get("REFUND_CAMPAIGN_MESSAGES", "10000"))
WORKERS = 12
TURNS_PER_CONVERSATION = 20
ACTION_ONLY_SLOTS = {"customer_known", "refund_blocked", "handoff_reason", "withdraw_ticket",
                     "supplement_ticket", "appeal_ticket", "pending_change", "change_note", "shown_quote"}
CAMPAIGN_CUSTOMER = "c1003"
MEMORY_GROWTH_LIMIT_MB = 150


@dataclass
class Conversation:
    session_id: str
    identity: str  # guest | customer | forged


@dataclass
class Outcome:
    sent: Counter = field(default_factory=Counter)
    unanswered: List[str] = field(default_factory=list)
    dropped_by_server: int = 0
    conversations: List[Conversation] = field(default_factory=list)
    replies: Dict[str, List[str]] = field(default_factory=dict)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def token_for(identity: str, customer_token: str) -> Optional[str]:
    if identity == "customer":
        return customer_token
    if identity == "forged":
        return issue_chat_token("an-attackers-guess-at-the-secret-0123456789", FOREIGN_CUSTOMER, "guessed-login")
    return None


async def worker(url: str, probes: List[Probe], rng: random.Random, outcome: Outcome, customer_token: str) -> None:
    client: Optional[RawSocket] = None
    turns = 0
    for probe in probes:
        if client is None or client.closed or turns >= TURNS_PER_CONVERSATION or probe.lead:
            if client is not None:
                await client.close()
            identity = "customer" if probe.lead else rng.choice(["guest", "customer", "customer", "forged"])
            client = RawSocket(url, token_for(identity, customer_token))
            session_id = await client.connect()
            outcome.conversations.append(Conversation(session_id, identity))
            outcome.replies.setdefault(identity, [])
            turns = 0
        outcome.sent[probe.kind] += 1
        turns += 1
        try:
            for said in probe.lead:  # reach the state the probe is about (the refund confirmation)
                await client.say(said)
            if probe.frame is not None:
                await client.send_raw(probe.frame)
                await asyncio.sleep(0.02)
                continue
            answer = await client.say(probe.text)
            outcome.replies[identity].extend(m.get("text", "") for m in answer)
        except SocketClosed:
            outcome.dropped_by_server += 1  # the server may drop a connection; it must not crash
        except TimeoutError:
            outcome.unanswered.append(f"{probe.kind}: {str(probe.text)[:60]!r}")
    if client is not None:
        await client.close()


def snapshot(sessions) -> Dict[str, list]:
    """Everything that belongs to customers other than the campaign's own."""
    with sessions() as db:
        return {
            "tickets": [(t.ticket_id, t.customer_id, t.status, t.quoted_amount, t.final_amount)
                        for t in db.scalars(select(TicketRow).where(TicketRow.customer_id != CAMPAIGN_CUSTOMER))],
            "events": [(e.ticket_id, e.to_status, e.actor) for e in db.scalars(
                select(TicketEventRow).join(TicketRow).where(TicketRow.customer_id != CAMPAIGN_CUSTOMER))],
            "handoffs": [(h.id, h.customer_id) for h in db.scalars(select(HandoffRow))
                         if h.customer_id not in (CAMPAIGN_CUSTOMER, None)],  # None: the campaign's guests
            "uploads": [u.id for u in db.scalars(select(UploadRow))],
        }


def test_ten_thousand_hostile_messages(fresh_stack):
    probes = list(generate(SEED, PROBES))
    assert probes == list(generate(SEED, PROBES))  # reproducible
    with fresh_stack.sessions.begin() as db:  # the campaign customer's own orders (confirmation payloads)
        for key, order_id in (("in_window", OWN_ORDER), ("standard_voucher", OTHER_OWN_ORDER)):
            add_demo_order(db, replace(demo_order(key), order_id=order_id, customer_id=CAMPAIGN_CUSTOMER,
                                       instance_id=f"ins-c3{order_id[-6:]}"), utcnow())
    before = snapshot(fresh_stack.sessions)
    rasa_pid = fresh_stack.processes.by_name["rasa"].pid
    outcome = Outcome()
    customer_token = chat_token(fresh_stack.sessions, CAMPAIGN_CUSTOMER)

    async def campaign():
        rng = random.Random(SEED)
        warm = probes[:WORKERS * 40]
        rest = probes[len(warm):]
        await asyncio.gather(*(worker(fresh_stack.rasa_url, warm[i::WORKERS], random.Random(rng.random()), outcome,
                                      customer_token) for i in range(WORKERS)))
        warmed = rss_mb(rasa_pid)
        started = time.monotonic()
        await asyncio.gather(*(worker(fresh_stack.rasa_url, rest[i::WORKERS], random.Random(rng.random()), outcome,
                                      customer_token) for i in range(WORKERS)))
        return warmed, rss_mb(rasa_pid), time.monotonic() - started

    warmed, final, seconds = run(campaign())
    print(f"\ncampaign: {sum(outcome.sent.values())} probes in {len(outcome.conversations)} conversations, "
          f"{dict(outcome.sent)}; main phase {seconds:.0f} s; Rasa RSS {warmed:.0f} -> {final:.0f} MB; "
          f"{outcome.dropped_by_server} sends on connections the server dropped")

    assert sum(outcome.sent.values()) == PROBES
    assert outcome.unanswered == []
    assert fresh_stack.processes.running("rasa") and fresh_stack.processes.running("actions")
    assert final - warmed < MEMORY_GROWTH_LIMIT_MB
    # Nothing typed reached other customers' data, identity or reviewer-only state.
    assert snapshot(fresh_stack.sessions) == before
    for identity in ("guest", "forged"):
        assert not any("张伟" in reply for reply in outcome.replies.get(identity, []))
    with fresh_stack.sessions() as db:
        own = list(db.scalars(select(TicketRow).where(TicketRow.customer_id == CAMPAIGN_CUSTOMER)))
        actors = set(db.scalars(select(TicketEventRow.actor).join(TicketRow).where(
            TicketRow.customer_id == CAMPAIGN_CUSTOMER)))
    assert actors <= {f"customer:{CAMPAIGN_CUSTOMER}"}
    service = RefundService(SqlBillingAdapter(fresh_stack.sessions), TicketStore(fresh_stack.sessions),
                            load_policy(PROJECT_ROOT / "policies" / "default.yml"))
    check_trackers(fresh_stack, outcome.conversations[:: max(1, len(outcome.conversations) // 120)])
    # A ticket the campaign managed to file carries the policy's amount as it stood at filing. The
    # order's ledger now counts the ticket itself, so the newest is set aside (withdrawn) first and
    # each is quoted beside the tickets filed before it only. Each is also the very quote shown
    # in its conversation before the confirmation.
    for ticket in sorted(own, key=lambda t: t.created_at, reverse=True):
        said = [e.get("text") or "" for e in fresh_stack.tracker(ticket.conversation_id)["events"]
                if e["event"] == "bot"]
        assert any(ticket.quote["explanation"] in text.replace("  \n", "\n") for text in said), ticket.ticket_id
        with fresh_stack.sessions.begin() as db:
            db.execute(update(TicketRow).where(TicketRow.ticket_id == ticket.ticket_id)
                       .values(status=TicketStatus.WITHDRAWN))
        assert ticket.quoted_amount == policy_quote(service, ticket).refund, ticket.ticket_id
    print(f"confirmation payloads: {outcome.sent['at_confirmation']} sent, {len(own)} tickets filed, "
          "each the quote shown")


def policy_quote(service: RefundService, ticket: TicketRow):
    """What the policy says the ticket is worth, by its kind."""
    if ticket.kind == "downgrade":
        return service.quote_downgrade(CAMPAIGN_CUSTOMER, ticket.order_id, ticket.details["target_spec"])
    if ticket.kind == "sla_claim":
        return service.quote_sla_claim(CAMPAIGN_CUSTOMER, ticket.order_id)
    return service.quote(CAMPAIGN_CUSTOMER, ticket.order_id, ticket.reason)


def check_trackers(stack, conversations: List[Conversation]) -> None:
    """Action-only slots are set only by actions; guests and forged tokens are never known."""
    for conversation in conversations:
        events = stack.tracker(conversation.session_id)["events"]
        last_action = None
        for event in events:
            if event["event"] == "action":
                last_action = event["name"]
            elif event["event"] == "user":
                last_action = None
                assert (event.get("metadata") or {}).get("user_id") in (
                    CAMPAIGN_CUSTOMER if conversation.identity == "customer" else None,)
            elif event["event"] == "slot" and event["name"] in ACTION_ONLY_SLOTS and event["value"] is not None:
                assert last_action not in (None, "action_extract_slots", "action_listen"), event
                if event["name"] == "customer_known" and event["value"] and conversation.identity != "customer":
                    pytest.fail(f"{conversation.identity} became a known customer: {conversation.session_id}")


def test_malformed_http_requests_get_clear_4xx_never_5xx(fresh_stack):
    """Seeded junk against every HTTP entry point: engine.io polling, the website, the agent
    console API and the back-office API (with valid credentials, so the body is parsed)."""
    rng = random.Random(SEED)
    bodies = [b"", b"{", b"[]", b"null", b'{"note": 5}', b'{"final_amount": "abc"}', b'{"final_amount": -1}',
              b'{"reason_code": ' + b"[" * 500 + b"]" * 500 + b"}", "退款".encode("utf-8") * 1000,
              bytes(rng.getrandbits(8) for _ in range(256)), b'{"text": "' + b"x" * 100_000 + b'"}']
    targets = [
        ("POST", fresh_stack.rasa_url + "/socket.io/?EIO=4&transport=polling&sid=nope", {}),
        ("POST", fresh_stack.rasa_url + "/socket.io/?EIO=4&transport=polling", {}),
        ("GET", fresh_stack.rasa_url + "/socket.io/?EIO=9&transport=carrier-pigeon", {}),
        ("POST", fresh_stack.site_url + "/login", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", fresh_stack.site_url + "/upload/not-a-token", {"Content-Type": "multipart/form-data; boundary=x"}),
        ("POST", fresh_stack.site_url + "/console/login", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", fresh_stack.site_url + "/console/api/handoffs/1/reply", {"Content-Type": "application/json"}),
        ("POST", fresh_stack.site_url + "/api/backoffice/tickets/RF202611200001/approve",
         {"Authorization": "Bearer dev-token-r1", "Content-Type": "application/json", "Idempotency-Key": "k"}),
        ("POST", fresh_stack.site_url + "/api/backoffice/tickets/RF202611200001/adjust",
         {"Authorization": "Bearer dev-token-r1", "Content-Type": "application/json"}),
        ("GET", fresh_stack.site_url + "/api/backoffice/tickets?status=%00%ff&limit=-5&offset=abc",
         {"Authorization": "Bearer dev-token-r1"}),
        ("GET", fresh_stack.site_url + "/upload/" + "%2e%2e%2f" * 20 + "etc%2fpasswd", {}),
    ]
    statuses = Counter()
    for _ in range(300):
        method, url, headers = rng.choice(targets)
        request = urllib.request.Request(url, data=rng.choice(bodies) if method == "POST" else None,
                                         headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses[response.status] += 1
        except urllib.error.HTTPError as exc:
            statuses[exc.code] += 1
            assert exc.code < 500, f"{method} {url} -> {exc.code}: {exc.read()[:300]!r}"
    print(f"\nHTTP junk: {dict(statuses)}")
    assert sum(statuses.values()) == 300 and any(400 <= code < 500 for code in statuses)
