"""Orders described in words: 「就8核16G那台」「第一个」「续费的那个 4核8G」「双十一抢的那个99块的
轻量服务器」「11月20号买的」. The NLU finds the clues as entities (product, spec, amount, date,
order_kind, ordinal: bot.nlu.spans and bot.nlu.extract); each clue narrows the customer's own
orders. The caller confirms a single match, offers several as buttons, and says so when none
fits. Pure: no Rasa, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from bot.billing.models import Order
from bot.clock import CUSTOMER_TZ, parse_instant
from bot.nlu.order_words import PROMOTION_WORDS


@dataclass(frozen=True)
class OrderClues:
    """What the customer's message says about the order they mean."""

    products: Optional[FrozenSet[str]] = None  # product families every product word allows
    spec: Optional[Tuple[int, int]] = None     # cores, GB of memory
    price: Optional[Decimal] = None
    day: Optional[date] = None                 # purchase day
    kinds: FrozenSet[str] = field(default_factory=frozenset)  # renewal | new | promotion
    ordinal: Optional[str] = None              # "1", "2", … or "last"

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


def resolve_order_reference(clues: OrderClues, orders: Sequence[Order]) -> OrderReference:
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
    if not filters:
        return OrderReference((), ())
    matching = [o for o in orders if all(test(o) for _, test in filters)]
    return OrderReference(tuple(name for name, _ in filters), tuple(matching))


def _paid(order: Order) -> Optional[Decimal]:
    payment = order.primary_payment
    return payment.amount if payment is not None else None


def _bought_on(order: Order) -> date:
    return order.created_at.astimezone(CUSTOMER_TZ).date()
