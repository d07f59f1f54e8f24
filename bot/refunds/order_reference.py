"""Orders and tickets described in words: 「就8核16G那台」「第一个」「续费的那个 4核8G」「双十一抢的那个99块的
轻量服务器」「11月20号买的」. The NLU finds the clues as entities (product, spec, amount, date,
order_kind, ordinal: bot.nlu.spans and bot.nlu.extract); each clue narrows the customer's own
orders. The caller confirms a single match, offers several as buttons, and says so when none
fits. Pure: no Rasa, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from bot.billing.models import Order
from bot.clock import CUSTOMER_TZ, parse_instant
from bot.nlu.order_words import MACHINE_PRODUCTS, PROMOTION_WORDS
from bot.nlu.reader import DEMONSTRATIVE, read_order_words, reason_of


@dataclass(frozen=True)
class OrderClues:
    """What the customer's message says about the order they mean."""

    products: Optional[FrozenSet[str]] = None  # product families every product word allows
    spec: Optional[Tuple[int, int]] = None     # cores, GB of memory
    price: Optional[Decimal] = None
    day: Optional[date] = None                 # purchase day
    kinds: FrozenSet[str] = field(default_factory=frozenset)  # renewal | new | promotion
    ordinal: Optional[str] = None              # "1", "2", … or "last"
    cores: Optional[int] = None                # 「2核那台」「32核的」: a size said in part
    gigs: Optional[int] = None                 # 「16G内存那台」「500G那个CDN包」
    not_kinds: FrozenSet[str] = field(default_factory=frozenset)  # 「不是续费的」
    states: FrozenSet[str] = field(default_factory=frozenset)     # unstarted | expired
    bought_between: Optional[Tuple[date, date]] = None           # 「两个月前」「上个月」「刚买的」
    billing: Optional[str] = None                                # payg | prepaid: 「按量付费那台」
    machine: bool = False                                        # 「这台」: an instance, not a package

    @classmethod
    def from_message(cls, text: str, entities: Sequence[Mapping[str, Any]], now: datetime) -> "OrderClues":
        """Clues from the NLU's entities and what the reader finds in the words themselves."""
        clues = cls.from_entities(entities)
        words = read_order_words(text, now)
        spec = clues.spec
        return cls(products=clues.products, spec=spec,
                   price=clues.price if clues.price is not None else words.price,
                   day=clues.day, kinds=clues.kinds - words.not_kinds,
                   ordinal=clues.ordinal or words.ordinal,
                   cores=None if spec else words.cores, gigs=None if spec else words.gigs,
                   not_kinds=words.not_kinds, states=words.states,
                   bought_between=None if clues.day else words.bought_between, billing=words.billing,
                   machine=words.machine)

    @classmethod
    def from_entities(cls, entities: Sequence[Mapping[str, Any]]) -> "OrderClues":
        """Clues from the NLU's entities of one message (unknown or malformed ones are ignored)."""
        values: dict = {}
        for entity in entities:
            values.setdefault(str(entity.get("entity")), []).append(str(entity.get("value")))
        products = None
        for value in values.get("product", []):
            codes = frozenset(value.split(","))
            products = codes if products is None else (products & codes or products)
        spec = None
        if values.get("spec"):
            found = re.fullmatch(r"(\d{1,4})c(\d{1,5})g", values["spec"][0])
            spec = (int(found.group(1)), int(found.group(2))) if found else None
        return cls(products=products, spec=spec, price=_decimal(values.get("amount")),
                   day=_day(values.get("date")), kinds=frozenset(values.get("order_kind", [])),
                   ordinal=_ordinal(values.get("ordinal")))


def _ordinal(values: Optional[List[str]]) -> Optional[str]:
    """"last" or a position 1–999; anything else (an entity typed by hand) is no clue."""
    value = values[0] if values else None
    return value if value == "last" or (value and value.isdigit() and len(value) <= 3 and int(value) > 0) else None


def _decimal(values: Optional[List[str]]) -> Optional[Decimal]:
    try:
        amount = Decimal(values[0]) if values else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _day(values: Optional[List[str]]) -> Optional[date]:
    moment = parse_instant(values[0]) if values else None
    return moment.astimezone(CUSTOMER_TZ).date() if moment else None


@dataclass(frozen=True)
class OrderReference:
    """What the customer's words matched: `clues` names what was understood, `orders` what fits."""

    clues: Tuple[str, ...]
    orders: Tuple[Order, ...]

    @property
    def understood(self) -> bool:
        return bool(self.clues)


def resolve_order_reference(clues: OrderClues, orders: Sequence[Order],
                            now: Optional[datetime] = None) -> OrderReference:
    """The orders among `orders` (in the order the customer was shown them) that fit every
    clue; no clue at all gives an empty reference."""
    if clues.ordinal is not None:
        index = len(orders) - 1 if clues.ordinal == "last" else int(clues.ordinal) - 1
        return OrderReference(("position",), (orders[index],) if 0 <= index < len(orders) else ())
    filters: List[Tuple[str, Callable[[Order], bool]]] = []
    if clues.products is not None:
        products = clues.products
        filters.append(("product", lambda o: o.product_code in products))
    if clues.spec is not None:
        cores, memory = clues.spec
        filters.append(("size", lambda o: bool(re.search(rf"(?<!\d){cores}\s*核\s*{memory}\s*G", o.product_name))))
    if clues.price is not None:
        price = clues.price
        filters.append(("price", lambda o: _paid(o) == price))
    if clues.day is not None:
        day = clues.day
        filters.append(("date", lambda o: _bought_on(o) == day))
    if "renewal" in clues.kinds:
        filters.append(("renewal", lambda o: o.order_type == "renewal" or "续费" in o.product_name))
    elif "new" in clues.kinds:
        filters.append(("new", lambda o: o.order_type == "new"))
    if "promotion" in clues.kinds:
        filters.append(("promotion", lambda o: o.promotional_no_refund or any(w in o.product_name for w in PROMOTION_WORDS)))
    if clues.cores is not None:
        cores_ = clues.cores
        filters.append(("size", lambda o: bool(re.search(rf"(?<!\d){cores_}\s*核", o.product_name))))
    if clues.gigs is not None:
        gigs = clues.gigs
        sizes = [rf"(?<![\d.]){gigs}\s*G"] + ([rf"(?<![\d.]){gigs // 1024}\s*T"] if gigs % 1024 == 0 else [])
        filters.append(("size", lambda o: any(re.search(p, o.product_name, re.IGNORECASE) for p in sizes)))
    for kind in clues.not_kinds:
        if kind == "renewal":
            filters.append(("not renewal", lambda o: not (o.order_type == "renewal" or "续费" in o.product_name)))
        elif kind == "new":
            filters.append(("not new", lambda o: o.order_type != "new"))
        elif kind == "promotion":
            filters.append(("not promotion", lambda o: not o.promotional_no_refund
                            and not any(w in o.product_name for w in PROMOTION_WORDS)))
    if clues.billing is not None:
        billing = clues.billing
        filters.append(("billing", lambda o: o.billing_mode == billing))
    if clues.bought_between is not None:
        first, last = clues.bought_between
        filters.append(("date", lambda o: first <= _bought_on(o) <= last))
    if now is not None and "unstarted" in clues.states:
        filters.append(("not started", lambda o: o.activated_at > now))
    if now is not None and "expired" in clues.states:
        filters.append(("expired", lambda o: o.expires_at is not None and o.expires_at <= now))
    if not filters:
        return OrderReference((), ())
    if clues.machine:  # narrows what the other clues found; alone it names no order
        filters.append(("machine", lambda o: o.product_code in MACHINE_PRODUCTS and o.package is None))
    matching = [o for o in orders if all(test(o) for _, test in filters)]
    return OrderReference(tuple(name for name, _ in filters), tuple(matching))


def _paid(order: Order) -> Optional[Decimal]:
    payment = order.primary_payment
    return payment.amount if payment is not None else None


def _bought_on(order: Order) -> date:
    return order.created_at.astimezone(CUSTOMER_TZ).date()


def names_an_order(clues: OrderClues, text: str) -> bool:
    """The words point at one of the customer's orders rather than at a kind of order: a size, a
    price, a purchase date or a state (「99块的那个」「两个月前买的」「还没开始的」), or a product
    said as "that one" or with a reason (「CDN那个」「CDN流量包不想用了」). 「活动买的能退吗」 and
    「续费的订单可以退吗」 ask about a kind: the rules answer them."""
    specific = (clues.spec, clues.cores, clues.gigs, clues.price, clues.day, clues.bought_between)
    if any(value is not None for value in specific) or clues.states:
        return True
    said_as_one = bool(DEMONSTRATIVE.search(text))
    return (clues.products is not None and (said_as_one or bool(reason_of(text)))) or (clues.billing is not None and said_as_one)


@dataclass(frozen=True)
class TicketClues:
    """What the words say of a ticket itself: when it was filed, its state, its kind
    (「上个月底提的那个」「在审核的」「被驳回的那单」「降配的」)."""

    filed_between: Optional[Tuple[date, date]] = None
    states: FrozenSet[str] = field(default_factory=frozenset)
    kind: Optional[str] = None

    @classmethod
    def from_message(cls, text: str, now: datetime) -> "TicketClues":
        words = read_order_words(text, now)
        return cls(words.filed_between, words.ticket_states, words.ticket_kind)

    @property
    def any(self) -> bool:
        return self.filed_between is not None or bool(self.states) or self.kind is not None


def tickets_fitting(clues: TicketClues, tickets: Sequence[Any]) -> List[Any]:
    """Those of `tickets` (anything with created_at, status and kind) that fit every clue."""
    fitting = list(tickets)
    if clues.filed_between is not None:
        first, last = clues.filed_between
        fitting = [t for t in fitting if first <= t.created_at.astimezone(CUSTOMER_TZ).date() <= last]
    if clues.states:
        fitting = [t for t in fitting if t.status in clues.states]
    if clues.kind is not None:
        fitting = [t for t in fitting if t.kind == clues.kind]
    return fitting
