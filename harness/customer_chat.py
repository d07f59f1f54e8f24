"""Plays one conversation of the customer set (harness/conversation_set.py) against a running
stack and judges it as the customer and the back office would see it.

Each conversation starts on freshly seeded demo data with its set-up tickets filed and worked
through the real services and the reviewers' HTTP API; the customer talks over the verified
socket.io channel with a chat token from a real website login (a guest with none) and uploads
evidence through the real upload page. After every turn the answer (texts and buttons) and
the conversation's state from Rasa's HTTP API (what the assistant now waits for, whether a
refund form started) are checked; at the end, the database (tickets, their states and details,
handoffs, escalations)."""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.request
import uuid
import zlib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from sqlalchemy import select

from bot.clock import to_customer_time, utcnow
from bot.storage.schema import (
    CustomerVisitRow,
    EscalationRow,
    EvidenceRow,
    HandoffRow,
    TicketEventRow,
    TicketRow,
    UploadRow,
)
from bot.storage.seed import seed_demo
from harness.conversation_set import PLACEHOLDER, SHOWN, Conversation, ExpectedTicket, SetupTicket, Step, Turn
from harness.raw_socket import RawSocket
from harness.servers import chat_token, read_tracker, site_session_cookie, write_support

REVIEWER_TOKEN = "dev-token-r1"  # demo reviewer, development data only
TURN_TIMEOUT = 60.0
UPLOAD_ANSWER_TIMEOUT = 10.0
# Many conversations of the same demo customers upload within minutes: lift the upload limit
# for the stack that plays the set (tests/security checks the limit itself).
STACK_OVERRIDES = {"REFUND_UPLOADS_PER_10_MINUTES": "100000"}

# What the assistant waits for, read from the tracker: a form's requested slot, or a question
# the actions keep in a slot. The one place that maps the dialogue's state to the set's words.
FORM_QUESTIONS: Dict[Tuple[str, str], str] = {
    ("refund_form", "order_id"): "order", ("refund_form", "refund_reason"): "reason",
    ("refund_form", "incident_time"): "incident_time", ("refund_form", "incident_instance"): "instance",
    ("refund_form", "incident_description"): "description", ("refund_form", "evidence_links"): "evidence",
    ("refund_form", "duplicate_confirmed"): "duplicate", ("refund_form", "refund_confirmed"): "confirm",
    ("appeal_form", "appeal_statement"): "appeal_statement", ("supplement_form", "supplement_content"): "supplement",
    ("leave_message_form", "contact_choice"): "contact", ("leave_message_form", "callback_phone"): "phone",
    ("leave_message_form", "leave_message"): "message", ("survey_form", "survey_score"): "survey",
    ("survey_form", "survey_comment"): "survey",
}
SLOT_QUESTIONS = (("pending_change", "confirm"), ("withdraw_ticket", "withdraw_confirm"),
                  ("appeal_ticket", "appeal_offer"))
REFUND_FORMS = frozenset({"refund_form"})
UPLOAD_LINK = re.compile(r"https?://[^\s)\"'<>]+/upload/[A-Za-z0-9._~%-]+")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Problem:
    """What went wrong: at which turn (0 = set-up, len(turns) + 1 = the outcome), a kind that
    groups like failures, and the particulars."""

    turn: int
    kind: str
    detail: str


@dataclass
class Result:
    conversation: Conversation
    problems: List[Problem] = field(default_factory=list)
    transcript: List[Tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    shown: List[str] = field(default_factory=list)  # the orders of the newest answer that offered some

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Optional[Problem]:
        return min(self.problems, key=lambda p: p.turn) if self.problems else None


@dataclass(frozen=True)
class Prepared:
    """A conversation's set-up as made: ticket ids and states by label, and every ticket there
    was before the chat."""

    tickets: Dict[str, str]
    states: Dict[str, str]
    existing: Set[str]


# --- reading answers and trackers (pure: unit-tested in tests/bench) ---------------------------

def buttons_of(message: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """A message's buttons, whichever way the channel sent them."""
    return [*(message.get("buttons") or []), *(message.get("quick_replies") or [])]


def reply_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """What the customer sees: every text and every button title."""
    parts: List[str] = []
    for message in messages:
        parts.append(str(message.get("text") or ""))
        parts.extend(str(b.get("title") or "") for b in buttons_of(message))
    return "\n".join(parts)


def _payload_values(payload: str) -> Dict[str, Any]:
    start = payload.find("{")
    if start < 0:
        return {}
    try:
        values = json.loads(payload[start:])
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def offered_in_order(messages: Sequence[Mapping[str, Any]]) -> Tuple[List[str], List[str]]:
    """(orders, tickets) the customer can pick with a button, in the order shown: a button offers
    the order or ticket its payload carries (a configuration button of a downgrade carries its
    order and a spec, and offers no order)."""
    orders: List[str] = []
    tickets: List[str] = []
    for message in messages:
        for button in buttons_of(message):
            values = _payload_values(str(button.get("payload") or ""))
            if values.get("order_id") and not values.get("spec_code") and values["order_id"] not in orders:
                orders.append(str(values["order_id"]))
            if values.get("ticket_id") and values["ticket_id"] not in tickets:
                tickets.append(str(values["ticket_id"]))
    return orders, tickets


def offered(messages: Sequence[Mapping[str, Any]]) -> Tuple[Set[str], Set[str]]:
    orders, tickets = offered_in_order(messages)
    return set(orders), set(tickets)


def by_position(order: str, shown: Sequence[str]) -> str:
    """An expected order: its id, or the id of the button at `{shown:N}` (empty if none there)."""
    found = SHOWN.match(order)
    if not found:
        return order
    index = int(found.group(1))
    index = index - 1 if index > 0 else index
    return shown[index] if -len(shown) <= index < len(shown) else ""


def pending_question(tracker: Mapping[str, Any]) -> str:
    """What the assistant waits for (harness/conversation_set.ASK_KINDS)."""
    if tracker.get("paused"):
        return "human"
    slots = tracker.get("slots") or {}
    loop = str((tracker.get("active_loop") or {}).get("name") or "")
    if loop:
        requested = str(slots.get("requested_slot"))
        return FORM_QUESTIONS.get((loop, requested), f"{loop}:{requested}")
    for slot, kind in SLOT_QUESTIONS:
        if slots.get(slot):
            return kind
    return "none"


def events_of_last_turn(tracker: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """The events after the customer's newest message."""
    events = list(tracker.get("events") or [])
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return events[last_user + 1:]


def user_messages(tracker: Mapping[str, Any]) -> int:
    return sum(1 for e in tracker.get("events") or [] if e.get("event") == "user")


QUIET_ACTIONS = frozenset({"action_listen", "action_check_customer", "action_session_start"})


def answered_by(tracker: Optional[Mapping[str, Any]]) -> str:
    """The actions that answered the customer's newest message (what the assistant did instead,
    when the answer was wrong), e.g. "action_refund_policy" or "utter_out_of_scope"."""
    if tracker is None:
        return "the upload page"
    names = [str(e.get("name")) for e in events_of_last_turn(tracker) if e.get("event") == "action"]
    shown = [n for n in names if n not in QUIET_ACTIONS and not n.startswith("validate_")]
    return " + ".join(dict.fromkeys(shown)) or "nothing"


def read_as(tracker: Optional[Mapping[str, Any]]) -> str:
    """The intent the newest message was read as."""
    intent = ((tracker or {}).get("latest_message") or {}).get("intent") or {}
    return f"{intent.get('name')} ({float(intent.get('confidence') or 0):.2f})" if intent else "?"


def started_refund(tracker: Mapping[str, Any]) -> bool:
    """The turn started (or went on with) a refund form."""
    for event in events_of_last_turn(tracker):
        if event.get("event") == "active_loop" and event.get("name") in REFUND_FORMS:
            return True
    return (tracker.get("active_loop") or {}).get("name") in REFUND_FORMS


def fill(text: str, tickets: Mapping[str, str]) -> str:
    """A text with the set-up tickets' numbers for their labels ({t1} → RF…)."""
    return PLACEHOLDER.sub(lambda m: tickets.get(m.group(1), m.group(0)), text)


def check_turn(turn: Turn, messages: Sequence[Mapping[str, Any]], tracker: Optional[Mapping[str, Any]],
               tickets: Mapping[str, str], filed_now: Sequence[str]) -> List[Tuple[str, str]]:
    """Every (kind, detail) by which this answer falls short of what the turn expects;
    `filed_now` are the tickets filed during the turn."""
    problems: List[Tuple[str, str]] = []
    text = reply_text(messages)
    # A wrong answer is grouped by what the assistant did instead (which actions answered).
    instead = f"answered by {answered_by(tracker)}; read as {read_as(tracker)}"
    for pattern in turn.says:
        if not re.search(fill(pattern, tickets), text):
            problems.append((f"answer lacks what was needed ({answered_by(tracker)})",
                             f"no match for /{fill(pattern, tickets)}/; {instead}"))
    for pattern in turn.not_says:
        found = re.search(fill(pattern, tickets), text)
        if found:
            problems.append((f"answer says what it must not ({answered_by(tracker)})",
                             f"/{fill(pattern, tickets)}/ matched 「{found.group(0)}」; {instead}"))
    orders, ticket_ids = offered(messages)
    if turn.offers is not None and set(turn.offers) != orders:
        problems.append((_offers_kind(set(turn.offers), orders),
                         f"expected order buttons {sorted(turn.offers)}, got {sorted(orders)}"))
    if turn.offers_tickets is not None:
        wanted = {tickets.get(label, label) for label in turn.offers_tickets}
        if wanted != ticket_ids:
            problems.append(("wrong ticket buttons", f"expected {sorted(wanted)}, got {sorted(ticket_ids)}"))
    if tracker is not None:
        asked = pending_question(tracker)
        if turn.asks is not None and asked not in turn.asks:
            problems.append((f"asked for {asked} instead of {'/'.join(turn.asks)}",
                             f"pending question after the turn: {asked}; {instead}"))
        if turn.no_refund and started_refund(tracker):
            problems.append(("started a refund that was not asked for", f"refund form active (asks {asked})"))
    if (turn.no_refund or turn.filed is False) and filed_now:
        problems.append(("filed a ticket that was not asked for", f"filed during the turn: {', '.join(filed_now)}"))
    if turn.filed and not filed_now:
        problems.append(("did not file when the customer confirmed", "no ticket filed during the turn"))
    elif turn.filed and not any(ticket_id in text for ticket_id in filed_now):
        problems.append(("filed without telling the ticket number", f"{', '.join(filed_now)} not in the answer"))
    return problems


def _offers_kind(expected: Set[str], got: Set[str]) -> str:
    if not got:
        return "no order buttons where the customer must pick"
    if not expected:
        return "order buttons where none were needed"
    if expected < got:
        return "too many order buttons (the reference was not narrowed)"
    return "wrong order buttons"


# --- the outcome in the database ---------------------------------------------------------------

def ticket_record(row: TicketRow, evidence: Sequence[EvidenceRow], uploads: Sequence[UploadRow]) -> str:
    """What a ticket recorded from the customer, as one text (for `details` patterns)."""
    parts = [json.dumps(row.details or {}, ensure_ascii=False)]
    parts += [f"{e.kind}: {e.content}" for e in evidence]
    parts += [f"file: {u.filename}" for u in uploads]
    return "\n".join(parts)


def check_ticket(expected: ExpectedTicket, row: TicketRow, record: str) -> List[Tuple[str, str]]:
    problems = []
    if expected.kind and row.kind != expected.kind:
        problems.append(("ticket of the wrong kind", f"{row.ticket_id}: kind {row.kind}, expected {expected.kind}"))
    if expected.reason and row.reason != expected.reason:
        problems.append(("ticket with the wrong reason",
                         f"{row.ticket_id}: reason {row.reason}, expected {expected.reason}"))
    if expected.status and row.status != expected.status:
        problems.append(("ticket in the wrong state", f"{row.ticket_id}: {row.status}, expected {expected.status}"))
    if expected.amount and str(row.quoted_amount) != expected.amount:
        problems.append(("ticket for the wrong amount",
                         f"{row.ticket_id}: {row.quoted_amount}, expected {expected.amount}"))
    if expected.details and not re.search(expected.details, record):
        problems.append(("ticket lacks what the customer said",
                         f"{row.ticket_id}: /{expected.details}/ not in {record[:200]!r}"))
    return problems


def check_new_tickets(expected: Sequence[ExpectedTicket], rows: Sequence[TicketRow],
                      records: Mapping[str, str], shown: Sequence[str] = ()) -> List[Tuple[str, str]]:
    """The tickets filed during the conversation are exactly the expected ones."""
    problems: List[Tuple[str, str]] = []
    left = list(rows)
    for wanted in expected:
        wanted = replace(wanted, order=by_position(wanted.order, shown))
        match = next((r for r in left if r.order_id == wanted.order and (not wanted.kind or r.kind == wanted.kind)),
                     None) or next((r for r in left if r.order_id == wanted.order), None)
        if match is None:
            others = ", ".join(f"{r.order_id} ({r.kind}/{r.reason})" for r in left) or "none"
            kind = "no ticket filed" if not left else "ticket filed for the wrong order"
            problems.append((kind, f"expected a ticket for order {wanted.order}; filed: {others}"))
            continue
        left.remove(match)
        problems += check_ticket(wanted, match, records.get(match.ticket_id, ""))
    for row in left:
        problems.append(("filed a ticket that was not asked for",
                         f"{row.ticket_id} for order {row.order_id} ({row.kind}/{row.reason})"))
    return problems


# --- playing ----------------------------------------------------------------------------------

class Player:
    """Plays conversations against one running stack (harness/servers.py)."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack

    def play(self, conversation: Conversation) -> Result:
        result = Result(conversation)
        started = time.perf_counter()
        try:
            prepared = self.prepare(conversation)
        except Exception as exc:  # a set-up that cannot be made is reported, never skipped
            result.problems.append(Problem(0, "set-up failed", f"{type(exc).__name__}: {exc}"))
            return result
        asyncio.run(self._talk(conversation, prepared.tickets, result))
        self._judge_outcome(conversation, prepared, result)
        result.seconds = time.perf_counter() - started
        return result

    # set-up

    def prepare(self, conversation: Conversation) -> Prepared:
        """Fresh demo data, the support hours, and the set-up tickets."""
        seed_demo(self.stack.sessions, reset=True)
        write_support(self.stack.support_file, override=conversation.support)
        tickets = {setup.label: self._setup_ticket(setup, conversation.customer) for setup in conversation.setup}
        if conversation.last_visit_days_ago is not None:
            with self.stack.sessions.begin() as db:
                db.add(CustomerVisitRow(customer_id=conversation.customer,
                                        last_seen_at=utcnow() - timedelta(days=conversation.last_visit_days_ago)))
        with self.stack.sessions() as db:
            rows = {r.ticket_id: r.status for r in db.scalars(select(TicketRow))}
        return Prepared(tickets, {label: rows[ticket_id] for label, ticket_id in tickets.items()}, set(rows))

    def _setup_ticket(self, setup: SetupTicket, customer: str) -> str:
        refunds = self.stack.services.refunds
        if setup.kind == "downgrade":
            filing = refunds.file_downgrade(customer, setup.order, setup.spec or "")
        elif setup.kind == "sla_claim":
            filing = refunds.file_sla_claim(customer, setup.order, "实例无法访问")
        else:
            filing = refunds.file(customer, setup.order, setup.reason, {})
        ticket_id = filing.ticket.ticket_id
        for step in setup.steps:
            self._step(customer, ticket_id, step)
        self._age(ticket_id, setup)
        return ticket_id

    def _step(self, customer: str, ticket_id: str, step: Step) -> None:
        workflow = self.stack.services.workflow
        if step.action == "appeal":
            workflow.appeal(customer, ticket_id, str(step.value))
            return
        if step.action == "withdraw":
            workflow.withdraw(customer, ticket_id)
            return
        body: Dict[str, Any] = {}
        if step.action == "approve" and step.value:
            body = {"amount": str(step.value), "reason": step.note}
        elif step.action == "reject":
            body = {"reason_code": step.value, "note": step.note}
        elif step.action == "request_info":
            body = {"missing": list(step.value), "note": step.note}
        elif step.action == "mark_paid":
            body = {"payout_reference": str(step.value)}
        elif step.action == "close_appeal":
            body = {"decision": step.value, "note": step.note}
        path = step.action.replace("_", "-")
        request = urllib.request.Request(
            f"{self.stack.site_url}/api/backoffice/tickets/{ticket_id}/{path}", data=json.dumps(body).encode(),
            method="POST", headers={"Authorization": f"Bearer {REVIEWER_TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30):
            pass

    def _age(self, ticket_id: str, setup: SetupTicket) -> None:
        """Move a set-up ticket's history back by `days_ago`; an overdue one missed its date."""
        shift = timedelta(days=setup.days_ago)
        with self.stack.sessions.begin() as db:
            row = db.get(TicketRow, ticket_id)
            row.created_at, row.updated_at = row.created_at - shift, row.updated_at - shift
            if row.paid_at is not None:
                row.paid_at = row.paid_at - shift
            if setup.overdue:
                row.stage_due = to_customer_time(utcnow()).date() - timedelta(days=2)
            for event in db.scalars(select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id)):
                event.at = event.at - shift
            for evidence in db.scalars(select(EvidenceRow).where(EvidenceRow.ticket_id == ticket_id)):
                evidence.created_at = evidence.created_at - shift

    # the chat

    async def _talk(self, conversation: Conversation, tickets: Dict[str, str], result: Result) -> None:
        token = None if conversation.guest else chat_token(self.stack.sessions, conversation.customer)
        client = RawSocket(self.stack.rasa_url, token)
        try:
            session_id = await client.connect()
        except Exception as exc:
            result.problems.append(Problem(1, "could not connect", f"{type(exc).__name__}: {exc}"))
            return
        try:
            for number, turn in enumerate(conversation.turns, start=1):
                if not await self._turn(client, session_id, conversation, turn, number, tickets, result):
                    break
        finally:
            await client.close()

    async def _turn(self, client: RawSocket, session_id: str, conversation: Conversation, turn: Turn, number: int,
                    tickets: Dict[str, str], result: Result) -> bool:
        """Play one turn and check it; False when the conversation cannot go on."""
        before = self._ticket_ids()
        try:
            if turn.upload is not None:
                messages, tracker = await self._upload(client, session_id, conversation.customer, turn.upload), None
            else:
                messages, tracker = await self._say(client, session_id, fill(turn.say or "", tickets))
        except Exception as exc:
            result.transcript.append((turn.shown, ""))
            result.problems.append(Problem(number, "no answer", f"{type(exc).__name__}: {exc}"))
            return False
        result.transcript.append((fill(turn.shown, tickets), reply_text(messages)))
        orders, _ = offered_in_order(messages)
        if orders:
            result.shown = orders
        filed_now = sorted(self._ticket_ids() - before)
        for kind, detail in check_turn(turn, messages, tracker, tickets, filed_now):
            result.problems.append(Problem(number, kind, detail))
        return True

    async def _say(self, client: RawSocket, session_id: str, text: str
                   ) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
        """Send a message; the answer once Rasa has stored the turn and every message of it
        arrived (a paused conversation's answer comes from the channel after the turn)."""
        loop = asyncio.get_running_loop()
        users_before = user_messages(await loop.run_in_executor(None, self._tracker, session_id))
        seen = len(client.bot_messages)
        await client.emit("user_uttered", {"message": text})
        deadline = time.monotonic() + TURN_TIMEOUT
        while True:
            if client.closed:
                raise ConnectionError("the chat socket closed")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete answer within {TURN_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)
            tracker = await loop.run_in_executor(None, self._tracker, session_id)
            if user_messages(tracker) <= users_before:
                continue
            bots = sum(1 for e in events_of_last_turn(tracker) if e.get("event") == "bot")
            arrived = len(client.bot_messages) - seen
            if arrived >= max(bots, 1):
                await client.settle(0.2)
                tracker = await loop.run_in_executor(None, self._tracker, session_id)
                return client.bot_messages[seen:], tracker

    def _tracker(self, session_id: str) -> Dict[str, Any]:
        return read_tracker(self.stack.rasa_url, session_id)

    async def _upload(self, client: RawSocket, session_id: str, customer: str, kind: str) -> List[Dict[str, Any]]:
        """The customer opens the newest upload link the assistant gave and sends one file; the
        answer is what the chat says about it."""
        links = UPLOAD_LINK.findall(reply_text(client.bot_messages))
        if not links:
            raise LookupError("the assistant gave no upload link")
        seen = len(client.bot_messages)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._post_file, links[-1], customer, kind)
        deadline = time.monotonic() + UPLOAD_ANSWER_TIMEOUT
        while len(client.bot_messages) == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await client.settle(0.2)
        return client.bot_messages[seen:]

    def _post_file(self, link: str, customer: str, kind: str) -> None:
        # The link points at the site the stack serves (the configured site URL).
        path = link.split("/upload/", 1)[1]
        url = f"{self.stack.site_url}/upload/{path}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        cookie = site_session_cookie(self.stack.sessions, customer)
        page = opener.open(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30).read().decode()
        csrf = CSRF_FIELD.search(page)
        if csrf is None:
            raise LookupError("the upload page has no form")
        name, content, mime = SAMPLE_FILES[kind]
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf.group(1)}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                f"Content-Type: {mime}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        nonce = "; ".join(f"{c.name}={c.value}" for c in jar)
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Cookie": f"{cookie}; {nonce}" if nonce else cookie,
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            opener.open(request, timeout=30).read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"upload refused: HTTP {exc.code}") from exc

    # the outcome

    def _ticket_ids(self) -> Set[str]:
        with self.stack.sessions() as db:
            return set(db.scalars(select(TicketRow.ticket_id)))

    def _judge_outcome(self, conversation: Conversation, prepared: Prepared, result: Result) -> None:
        at = len(conversation.turns) + 1
        outcome, tickets = conversation.outcome, prepared.tickets
        with self.stack.sessions() as db:
            rows = {r.ticket_id: r for r in db.scalars(select(TicketRow))}
            new = [r for tid, r in sorted(rows.items()) if tid not in prepared.existing]
            records = {r.ticket_id: ticket_record(
                r, list(db.scalars(select(EvidenceRow).where(EvidenceRow.ticket_id == r.ticket_id))),
                list(db.scalars(select(UploadRow).where(UploadRow.ticket_id == r.ticket_id)))) for r in new}
            problems = check_new_tickets(outcome.tickets, new, records, result.shown)
            for label, ticket_id in tickets.items():
                wanted, now = outcome.ticket_states.get(label), rows[ticket_id].status
                if wanted is not None and now != wanted:
                    problems.append((f"ticket not {wanted}", f"{label} {ticket_id} is {now}"))
                if wanted is None and now != prepared.states[label]:
                    problems.append(("a ticket changed that should not have",
                                     f"{label} {ticket_id} went from {prepared.states[label]} to {now}"))
            escalated = set(db.scalars(select(EscalationRow.ticket_id)))
            chased = {tickets[label] for label in outcome.escalated}
            problems += [("overdue ticket not chased", f"no 催办 recorded for {tid}") for tid in sorted(chased - escalated)]
            problems += [("chased a ticket that was not overdue", f"催办 for {tid}") for tid in sorted(escalated - chased)]
            handoffs = [(h.kind, h.reason) for h in db.scalars(select(HandoffRow))]
        problems += check_handoffs(outcome.handoff.mode, outcome.handoff.kind, outcome.handoff.reason, handoffs)
        result.problems += [Problem(at, kind, detail) for kind, detail in problems]


def check_handoffs(mode: str, kind: Optional[str], reason: Optional[str],
                   handoffs: Sequence[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """The handoffs created in the conversation against what was expected."""
    if mode == "optional":
        return []
    if mode == "none":
        return [("handed to a person without need", f"handoff {k}/{r}") for k, r in handoffs]
    fitting = [(k, r) for k, r in handoffs if (kind is None or k == kind) and (reason is None or r == reason)]
    if fitting:
        return []
    got = ", ".join(f"{k}/{r}" for k, r in handoffs) or "none"
    return [("no handoff where one was needed" if not handoffs else "handoff of the wrong kind",
             f"expected {kind or 'any'}/{reason or 'any'}, got {got}")]


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


SAMPLE_FILES: Dict[str, Tuple[str, bytes, str]] = {
    "png": ("监控截图.png", _png(), "image/png"),
    "pdf": ("扣款记录.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
    "txt": ("error.log", "2026-12-01 20:14:03 connect timeout\n".encode(), "text/plain"),
}
