"""Orders described in words: 「就8核16G那台」「第一个」「续费的那个 4核8G」「双十一抢的那个99块的
轻量服务器」「11月20号买的」. Each clue the customer gives (product, size, price, purchase date,
renewal or new, promotion, position in the list they were shown) narrows the customer's own
orders; the caller confirms a single match, offers several as buttons, and says so when none
fits. Pure: no Rasa, no database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, FrozenSet, List, Optional, Sequence, Tuple

from bot.billing.models import Order
from bot.clock import CUSTOMER_TZ
from bot.nlu.numbers import parse_number

# Words customers use for product families (product_code of the billing system), the most
# specific first: 「服务器」「主机」 may mean an ECS or a lightweight server, 「轻量」 only the latter.
PRODUCT_WORDS: Tuple[Tuple[Tuple[str, ...], FrozenSet[str]], ...] = (
    (("轻量", "lighthouse"), frozenset({"lighthouse"})),
    (("ecs", "cvm", "弹性计算"), frozenset({"ecs"})),
    (("数据库", "rds", "mysql", "postgresql", "sql server", "redis"), frozenset({"rds"})),
    (("cdn", "流量包", "加速"), frozenset({"cdn"})),
    (("服务器", "云主机", "主机", "vps", "虚拟机", "机器", "实例"), frozenset({"ecs", "lighthouse"})),
)
_SPEC = re.compile(r"(\d+)\s*(?:核|c|vcpu|cpu)\s*(\d+)\s*(?:gb|g|吉)?", re.IGNORECASE)
# 「第一个」「第2台」「第三」 (alone), 「最后一个」; not 「第一次买」.
_ORDINAL = re.compile(r"第\s*([一二两三四五六七八九十\d]+)\s*(?:[个台条单项笔]|(?=[\s，。,.!！吧呀啊]|$))"
                      r"|(最后|末尾)\s*[一1那]?\s*[个台条单]")
_PRICE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:块|元|rmb|RMB)")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_RENEWAL = ("续费", "续订", "续的")
_NEW = ("新购", "新买", "新开", "刚买", "首购")
_PROMOTION = ("双十一", "双11", "双十二", "双12", "活动", "特惠", "促销", "秒杀", "抢的", "抢购", "特价", "优惠价")


@dataclass(frozen=True)
class OrderReference:
    """What the customer's words matched: `clues` names what was understood, `orders` what fits."""

    clues: Tuple[str, ...]
    orders: Tuple[Order, ...]

    @property
    def understood(self) -> bool:
        return bool(self.clues)


def resolve_order_reference(text: str, orders: Sequence[Order], year: Optional[int] = None) -> OrderReference:
    """The orders among `orders` (in the order the customer was shown them) that fit every
    clue in normalised `text`; no clue at all gives an empty reference."""
    lowered = text.lower()
    ordinal = _ordinal(text, len(orders))
    if ordinal is not None:
        return OrderReference(("position",), (orders[ordinal],) if 0 <= ordinal < len(orders) else ())
    filters: List[Tuple[str, Callable[[Order], bool]]] = []
    products = next((codes for words, codes in PRODUCT_WORDS if any(w in lowered for w in words)), None)
    if products is not None:
        filters.append(("product", lambda o: o.product_code in products))
    spec = _SPEC.search(text)
    if spec:
        cores, memory = spec.group(1), spec.group(2)
        filters.append(("size", lambda o: bool(re.search(rf"(?<!\d){cores}\s*核\s*{memory}\s*G", o.product_name))))
    price = _PRICE.search(text)
    if price:
        amount = Decimal(price.group(1))
        filters.append(("price", lambda o: _paid(o) == amount))
    day = _date(text, year)
    if day is not None:
        filters.append(("date", lambda o: _bought_on(o) == day))
    if any(w in text for w in _RENEWAL):
        filters.append(("renewal", lambda o: o.order_type == "renewal" or "续费" in o.product_name))
    elif any(w in text for w in _NEW):
        filters.append(("new", lambda o: o.order_type == "new"))
    if any(w in text for w in _PROMOTION):
        filters.append(("promotion", lambda o: o.promotional_no_refund or any(w in o.product_name for w in _PROMOTION)))
    if not filters:
        return OrderReference((), ())
    matching = [o for o in orders if all(test(o) for _, test in filters)]
    return OrderReference(tuple(name for name, _ in filters), tuple(matching))


def _ordinal(text: str, count: int) -> Optional[int]:
    match = _ORDINAL.search(text)
    if match is None:
        return None
    if match.group(2):
        return count - 1
    number = parse_number(match.group(1))
    return int(number) - 1 if number is not None else None


def _paid(order: Order) -> Optional[Decimal]:
    payment = order.primary_payment
    return payment.amount if payment is not None else None


def _bought_on(order: Order) -> date:
    return order.created_at.astimezone(CUSTOMER_TZ).date()


def _date(text: str, year: Optional[int]) -> Optional[date]:
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1) or year or datetime.now(CUSTOMER_TZ).year), int(match.group(2)),
                    int(match.group(3)))
    except ValueError:
        return None
