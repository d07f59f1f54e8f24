"""The customer conversation set (tests/conversations/customers/*.yml): its format, loaded and
checked without any server, so a broken file fails `make test` (tests/bench/test_conversation_set.py)
and `make conversations` only ever plays well-formed conversations.

One file per journey. Each conversation names who talks (a demo customer or `guest`), what the
customer came for, an optional set-up (tickets filed and worked before the chat starts), the
turns in the customer's own words with what a correct assistant must show and ask after each,
and the outcome the database must hold at the end. The keys are documented in
tests/conversations/customers/README.md."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml

from bot.storage.seed import CUSTOMERS, DEMO_ORDERS
from bot.vocabulary import HandoffKind, RefundReason, RejectionReason, TicketKind, TicketStatus

SET_DIR = Path(__file__).parent.parent / "tests" / "conversations" / "customers"
GUEST = "guest"
MIN_PER_JOURNEY = 6
MIN_TOTAL = 150

# Every journey the set must cover (file name without .yml → what it is about).
JOURNEYS: Dict[str, str] = {
    "refund_by_id": "a refund of an order named by its id (any spelling) or its instance id",
    "refund_described": "a refund of an order described: product, size, price, date words, position, 这个/那个",
    "refund_reasons": "each reason with what it needs: no longer needed, bought by mistake, a fault (time, "
                      "symptom, evidence upload), duplicate payment",
    "refund_refused": "orders the policy refuses or sends to manual review, and orders that are not the customer's",
    "mind_changes": "changing the order or the reason, declining the quote, pausing, cancelling",
    "ticket_status": "where is my money: the state of a filed ticket",
    "amount_breakdown": "why so little: the amount line by line",
    "rejection_appeal": "why was I rejected, and appealing",
    "withdraw": "withdrawing a filed ticket",
    "overdue": "chasing a ticket past its promised date",
    "refunded_again": "an order already refunded (or in progress) asked about again",
    "downgrade": "a server bought too big: a downgrade that keeps it",
    "sla_claim": "an outage compensated while the service is kept",
    "complaint": "complaints",
    "human_callback": "a person, a call-back or a message for an agent",
    "policy_questions": "questions about the refund policy",
    "not_refund": "money and service questions that are not refunds and must not start one",
    "small_talk": "greetings, thanks, goodbyes",
    "several_requests": "several requests in one message",
}

# What the assistant is waiting for after a turn (read from the tracker by harness/customer_chat.py).
ASK_KINDS = frozenset({
    "order", "reason", "incident_time", "instance", "description", "evidence", "duplicate", "confirm",
    "withdraw_confirm", "appeal_offer", "appeal_statement", "supplement", "contact", "phone", "message",
    "survey", "human", "none"})
HANDOFF_REASONS = frozenset({"requested", "fallback", "dissatisfied", "large_amount", "flagged", "complaint"})
REVIEW_STEPS = frozenset({"take", "approve", "reject", "request_info", "start_payout", "mark_paid", "close_appeal"})
CUSTOMER_STEPS = frozenset({"appeal", "withdraw"})
UPLOAD_KINDS = frozenset({"png", "pdf", "txt"})
TURN_KEYS = frozenset({"say", "upload", "says", "not_says", "offers", "offers_tickets", "asks", "no_refund", "filed",
                       "note"})
CONVERSATION_KEYS = frozenset({"id", "customer", "goal", "support", "setup", "last_visit_days_ago", "turns", "outcome",
                               "note"})
OUTCOME_KEYS = frozenset({"tickets", "ticket_states", "handoff", "escalated"})
TICKET_KEYS = frozenset({"order", "reason", "kind", "status", "amount", "details"})
SETUP_KEYS = frozenset({"ticket", "order", "reason", "kind", "spec", "days_ago", "steps", "overdue"})
ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,60}$")
LABEL = re.compile(r"^t\d$")
PLACEHOLDER = re.compile(r"\{(t\d)\}")
ORDER_ID = re.compile(r"^\d{16}$")
# In an outcome ticket: the order of the N-th button (1 = first, -1 = last) of the newest answer
# that offered orders, for conversations that pick an order by its position (「最下面那个」).
SHOWN = re.compile(r"^\{shown:(-?[1-9])\}$")

ORDERS_OF: Dict[str, frozenset] = {
    customer: frozenset(o.order_id for o in DEMO_ORDERS if o.customer_id == customer) for customer, _, _ in CUSTOMERS}
CUSTOMER_NAMES: Dict[str, str] = {customer: name for customer, name, _ in CUSTOMERS}


class ConversationFileError(ValueError):
    """A conversation file is not well-formed: every problem found, one per line."""


@dataclass(frozen=True)
class Step:
    """One thing done to a set-up ticket before the chat: a reviewer's or the customer's action."""

    action: str
    value: Any = None
    note: str = ""


@dataclass(frozen=True)
class SetupTicket:
    label: str
    order: str
    reason: str = RefundReason.DEMAND_CHANGE.value
    kind: str = TicketKind.REFUND.value
    spec: Optional[str] = None
    days_ago: float = 0
    steps: Tuple[Step, ...] = ()
    overdue: bool = False


@dataclass(frozen=True)
class Turn:
    say: Optional[str] = None      # what the customer types (placeholders {t1} stand for set-up tickets)
    upload: Optional[str] = None   # or: the customer uploads a file of this kind through the last link
    says: Tuple[str, ...] = ()     # regexes every one of which the answer (texts and buttons) must match
    not_says: Tuple[str, ...] = ()
    offers: Optional[Tuple[str, ...]] = None          # exactly these orders as buttons (() = none)
    offers_tickets: Optional[Tuple[str, ...]] = None  # exactly these tickets as buttons
    asks: Optional[Tuple[str, ...]] = None            # the pending question afterwards (any of)
    no_refund: bool = False                           # this turn must not start or advance a refund
    filed: Optional[bool] = None                      # this turn files a ticket and names it / files none

    @property
    def shown(self) -> str:
        return self.say if self.say is not None else f"(uploads a {self.upload} file)"


@dataclass(frozen=True)
class ExpectedTicket:
    order: str
    reason: Optional[str] = None
    kind: Optional[str] = None
    status: Optional[str] = None
    amount: Optional[str] = None
    details: Optional[str] = None  # regex over what the ticket recorded (details and evidence)


@dataclass(frozen=True)
class ExpectedHandoff:
    """`none`: no handoff may be created; `optional`: one may or may not be; else one of this
    kind (and reason, if given)."""

    mode: str = "none"
    kind: Optional[str] = None
    reason: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    tickets: Tuple[ExpectedTicket, ...] = ()                 # exactly these new tickets
    ticket_states: Mapping[str, str] = field(default_factory=dict)  # set-up label → state (others unchanged)
    handoff: ExpectedHandoff = ExpectedHandoff()
    escalated: Tuple[str, ...] = ()                          # set-up labels chased (催办); no others


@dataclass(frozen=True)
class Conversation:
    id: str
    journey: str
    customer: str
    goal: str
    turns: Tuple[Turn, ...]
    outcome: Outcome
    setup: Tuple[SetupTicket, ...] = ()
    support: str = "open"
    last_visit_days_ago: Optional[float] = None  # the customer last talked to the assistant then

    @property
    def guest(self) -> bool:
        return self.customer == GUEST


def load_set(directory: Path = SET_DIR, journeys: Optional[Sequence[str]] = None,
             complete: bool = True) -> List[Conversation]:
    """Every conversation of the set (or of the named journeys), checked. With `complete`, also
    that every journey is there with enough conversations. Raises ConversationFileError."""
    problems: List[str] = []
    conversations: List[Conversation] = []
    files = sorted(directory.glob("*.yml"))
    for path in files:
        if path.stem not in JOURNEYS:
            problems.append(f"{path.name}: unknown journey (known: {', '.join(JOURNEYS)})")
            continue
        if journeys and path.stem not in journeys:
            continue
        conversations.extend(_load_file(path, problems))
    seen: Dict[str, str] = {}
    for conversation in conversations:
        if conversation.id in seen:
            problems.append(f"{conversation.id}: id used twice ({seen[conversation.id]}, {conversation.journey})")
        seen[conversation.id] = conversation.journey
    if complete and not journeys:
        counts = {name: sum(c.journey == name for c in conversations) for name in JOURNEYS}
        problems += [f"journey {name}: {count} conversations, at least {MIN_PER_JOURNEY} needed"
                     for name, count in counts.items() if count < MIN_PER_JOURNEY]
        if len(conversations) < MIN_TOTAL:
            problems.append(f"{len(conversations)} conversations, at least {MIN_TOTAL} needed")
    if journeys:
        problems += [f"no file for journey {name}" for name in journeys if not (directory / f"{name}.yml").exists()]
    if problems:
        raise ConversationFileError("\n".join(problems))
    return conversations


def _load_file(path: Path, problems: List[str]) -> List[Conversation]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{path.name}: not YAML: {exc}")
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("conversations"), list) or not raw.get("about"):
        problems.append(f"{path.name}: expected a mapping with `about` and a list `conversations`")
        return []
    loaded = []
    for number, item in enumerate(raw["conversations"], start=1):
        where = f"{path.name} #{number}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            where = f"{path.name} {item['id']}"
        checker = _Checker(where)
        conversation = checker.conversation(item, path.stem)
        problems.extend(checker.problems)
        if conversation is not None and not checker.problems:
            loaded.append(conversation)
    return loaded


class _Checker:
    """Reads one conversation, collecting every problem with where it is."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: List[str] = []

    def bad(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def conversation(self, item: Any, journey: str) -> Optional[Conversation]:
        if not isinstance(item, dict):
            self.bad("a conversation must be a mapping")
            return None
        for key in set(item) - CONVERSATION_KEYS:
            self.bad(f"unknown key {key!r}")
        cid, customer, goal = item.get("id"), item.get("customer"), item.get("goal")
        if not isinstance(cid, str) or not ID.match(cid):
            self.bad("id must be lower-case letters, digits and dashes")
        if customer != GUEST and customer not in CUSTOMER_NAMES:
            self.bad(f"unknown customer {customer!r} (demo customers: {', '.join(CUSTOMER_NAMES)}, or guest)")
            return None
        if not isinstance(goal, str) or not goal.strip():
            self.bad("goal: say in one line what the customer came for")
        support = item.get("support", "open")
        if support not in ("open", "closed"):
            self.bad("support must be open or closed")
        setup = tuple(self.setup_ticket(s, customer) for s in self._list(item, "setup"))
        visit = item.get("last_visit_days_ago")
        if visit is not None and (customer == GUEST or not isinstance(visit, (int, float)) or not 0 < visit <= 365):
            self.bad("last_visit_days_ago: a number of days (0-365) before the chat, for a customer")
            visit = None
        labels = {s.label for s in setup}
        if len(labels) != len(setup):
            self.bad("set-up ticket labels must be unique")
        turns = tuple(self.turn(t, customer, labels) for t in self._list(item, "turns"))
        if not turns:
            self.bad("a conversation needs turns")
        outcome = self.outcome(item.get("outcome"), customer, labels)
        return Conversation(id=str(cid), journey=journey, customer=customer, goal=str(goal), turns=turns,
                            outcome=outcome, setup=setup, support=support,
                            last_visit_days_ago=None if visit is None else float(visit))

    def _list(self, item: Mapping[str, Any], key: str) -> List[Any]:
        value = item.get(key, [])
        if not isinstance(value, list):
            self.bad(f"{key} must be a list")
            return []
        return value

    def _order(self, order: Any, customer: str, what: str, by_position: bool = False) -> str:
        order = str(order)
        if by_position and SHOWN.match(order):
            return order
        if not ORDER_ID.match(order):
            self.bad(f"{what}: {order!r} is not a 16-digit order id")
        elif customer == GUEST or order not in ORDERS_OF[customer]:
            self.bad(f"{what}: order {order} is not one of {customer}'s orders")
        return order

    def setup_ticket(self, raw: Any, customer: str) -> SetupTicket:
        if not isinstance(raw, dict):
            self.bad("each set-up entry must be a mapping")
            return SetupTicket("t0", "")
        for key in set(raw) - SETUP_KEYS:
            self.bad(f"setup: unknown key {key!r}")
        label = str(raw.get("ticket", ""))
        if not LABEL.match(label):
            self.bad(f"setup: ticket label {label!r} must look like t1")
        order = self._order(raw.get("order"), customer, f"setup {label}")
        reason = str(raw.get("reason", RefundReason.DEMAND_CHANGE.value))
        kind = str(raw.get("kind", TicketKind.REFUND.value))
        if RefundReason.parse(reason) is None:
            self.bad(f"setup {label}: unknown reason {reason!r}")
        if TicketKind.parse(kind) is None:
            self.bad(f"setup {label}: unknown kind {kind!r}")
        if kind == TicketKind.DOWNGRADE and not raw.get("spec"):
            self.bad(f"setup {label}: a downgrade needs `spec`")
        days_ago = raw.get("days_ago", 0)
        if not isinstance(days_ago, (int, float)) or not 0 <= days_ago <= 365:
            self.bad(f"setup {label}: days_ago must be a number of days (0-365)")
            days_ago = 0
        steps = tuple(self.step(s, label) for s in raw.get("steps") or [])
        return SetupTicket(label, order, reason, kind, raw.get("spec"), float(days_ago), steps, bool(raw.get("overdue")))

    def step(self, raw: Any, label: str) -> Step:
        if isinstance(raw, str):
            raw = {raw: None}
        if not isinstance(raw, dict) or not raw:
            self.bad(f"setup {label}: a step is a name or a one-key mapping")
            return Step("take")
        note = str(raw.pop("note", "") or "") if isinstance(raw, dict) else ""
        if len(raw) != 1:
            self.bad(f"setup {label}: a step has one action (and an optional note): {raw}")
            return Step("take")
        action, value = next(iter(raw.items()))
        if action not in REVIEW_STEPS | CUSTOMER_STEPS:
            self.bad(f"setup {label}: unknown step {action!r}")
        if action == "reject" and RejectionReason.parse(value) is None:
            self.bad(f"setup {label}: reject needs a rejection reason code, got {value!r}")
        if action == "close_appeal" and value not in ("approve", "reject"):
            self.bad(f"setup {label}: close_appeal is approve or reject")
        if action == "request_info" and not (isinstance(value, list) and value):
            self.bad(f"setup {label}: request_info needs the list of what is missing")
        if action in ("mark_paid", "appeal") and not value:
            self.bad(f"setup {label}: {action} needs a value (payout reference / statement)")
        return Step(str(action), value, note)

    def _patterns(self, raw: Any, key: str, labels: set) -> Tuple[str, ...]:
        values = raw if isinstance(raw, list) else [raw]
        out = []
        for value in values:
            if not isinstance(value, str) or not value:
                self.bad(f"{key}: expected regular expressions, got {value!r}")
                continue
            self._placeholders(value, labels, key)
            try:
                re.compile(PLACEHOLDER.sub("RF0", value))
            except re.error as exc:
                self.bad(f"{key}: bad regular expression {value!r}: {exc}")
            out.append(value)
        return tuple(out)

    def _placeholders(self, text: str, labels: set, where: str) -> None:
        for label in PLACEHOLDER.findall(text):
            if label not in labels:
                self.bad(f"{where}: {{{label}}} names no set-up ticket")

    def turn(self, raw: Any, customer: str, labels: set) -> Turn:
        if not isinstance(raw, dict):
            self.bad("each turn must be a mapping")
            return Turn(say="")
        for key in set(raw) - TURN_KEYS:
            self.bad(f"turn: unknown key {key!r}")
        say, upload = raw.get("say"), raw.get("upload")
        if (say is None) == (upload is None):
            self.bad("a turn has either `say` or `upload`")
        if say is not None:
            if not isinstance(say, (str, int)) or not str(say).strip():
                self.bad(f"say: expected the customer's text, got {say!r}")
            say = str(say)
            self._placeholders(say, labels, "say")
        if upload is not None and upload not in UPLOAD_KINDS:
            self.bad(f"upload: one of {', '.join(sorted(UPLOAD_KINDS))}")
        if upload is not None and customer == GUEST:
            self.bad("a guest cannot upload (the upload page needs a login)")
        asks = raw.get("asks")
        if asks is not None:
            asks = tuple(asks) if isinstance(asks, list) else (asks,)
            for kind in asks:
                if kind not in ASK_KINDS:
                    self.bad(f"asks: unknown question kind {kind!r} (known: {', '.join(sorted(ASK_KINDS))})")
        offers = raw.get("offers")
        if offers is not None:
            if not isinstance(offers, list):
                self.bad("offers: a list of order ids ([] for none)")
                offers = []
            offers = tuple(self._order(o, customer, "offers") for o in offers)
        offers_tickets = raw.get("offers_tickets")
        if offers_tickets is not None:
            if not isinstance(offers_tickets, list):
                self.bad("offers_tickets: a list of set-up ticket labels ([] for none)")
                offers_tickets = []
            for label in offers_tickets:
                if label not in labels:
                    self.bad(f"offers_tickets: {label!r} names no set-up ticket")
            offers_tickets = tuple(str(t) for t in offers_tickets)
        no_refund = raw.get("no_refund", False)
        if not isinstance(no_refund, bool):
            self.bad("no_refund: true or false")
        filed = raw.get("filed")
        if filed is not None and not isinstance(filed, bool):
            self.bad("filed: true or false")
        if filed and customer == GUEST:
            self.bad("filed: a guest cannot file a ticket")
        return Turn(say=say, upload=upload, says=self._patterns(raw.get("says", []), "says", labels),
                    not_says=self._patterns(raw.get("not_says", []), "not_says", labels), offers=offers,
                    offers_tickets=offers_tickets, asks=asks, no_refund=bool(no_refund), filed=filed)

    def outcome(self, raw: Any, customer: str, labels: set) -> Outcome:
        if not isinstance(raw, dict):
            self.bad("outcome: say what the database must hold at the end ({} for nothing new)")
            return Outcome()
        for key in set(raw) - OUTCOME_KEYS:
            self.bad(f"outcome: unknown key {key!r}")
        tickets = tuple(self.expected_ticket(t, customer) for t in raw.get("tickets") or [])
        if tickets and customer == GUEST:
            self.bad("outcome: a guest cannot file a ticket")
        states = raw.get("ticket_states") or {}
        if not isinstance(states, dict):
            self.bad("outcome: ticket_states maps set-up labels to states")
            states = {}
        for label, status in states.items():
            if label not in labels:
                self.bad(f"outcome: ticket_states names no set-up ticket {label!r}")
            if TicketStatus.parse(status) is None:
                self.bad(f"outcome: unknown ticket state {status!r}")
        escalated = raw.get("escalated") or []
        for label in escalated:
            if label not in labels:
                self.bad(f"outcome: escalated names no set-up ticket {label!r}")
        return Outcome(tickets=tickets, ticket_states={str(k): str(v) for k, v in states.items()},
                       handoff=self.handoff(raw.get("handoff", "none")), escalated=tuple(escalated))

    def expected_ticket(self, raw: Any, customer: str) -> ExpectedTicket:
        if not isinstance(raw, dict):
            self.bad("outcome: each ticket is a mapping with at least `order`")
            return ExpectedTicket("")
        for key in set(raw) - TICKET_KEYS:
            self.bad(f"outcome ticket: unknown key {key!r}")
        order = self._order(raw.get("order"), customer, "outcome ticket", by_position=True)
        reason, kind, status = raw.get("reason"), raw.get("kind"), raw.get("status")
        if reason is not None and RefundReason.parse(reason) is None:
            self.bad(f"outcome ticket: unknown reason {reason!r}")
        if kind is not None and TicketKind.parse(kind) is None:
            self.bad(f"outcome ticket: unknown kind {kind!r}")
        if status is not None and TicketStatus.parse(status) is None:
            self.bad(f"outcome ticket: unknown state {status!r}")
        details = raw.get("details")
        if details is not None:
            self._patterns(details, "outcome ticket details", set())
        amount = raw.get("amount")
        return ExpectedTicket(order, reason, kind, status, None if amount is None else str(amount), details)

    def handoff(self, raw: Union[str, Dict[str, Any], None]) -> ExpectedHandoff:
        if raw in (None, "none"):
            return ExpectedHandoff()
        if raw == "optional":
            return ExpectedHandoff("optional")
        if not isinstance(raw, dict):
            self.bad("outcome: handoff is none, optional or {kind, reason}")
            return ExpectedHandoff()
        kind, reason = raw.get("kind"), raw.get("reason")
        if kind is not None and HandoffKind.parse(kind) is None:
            self.bad(f"outcome: unknown handoff kind {kind!r}")
        if reason is not None and reason not in HANDOFF_REASONS:
            self.bad(f"outcome: unknown handoff reason {reason!r}")
        return ExpectedHandoff("expected", kind, reason)
