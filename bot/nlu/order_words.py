"""The words customers use for their orders: product families, renewal or new, promotions.
One home for the NLU's patterns (bot.nlu.spans), the order matching (bot.refunds.order_reference)
and the policy answers that name a product (bot.faq.answers)."""
from __future__ import annotations

from typing import FrozenSet, Tuple

# Words for product families (product_code of the billing system), the most specific first:
# 「服务器」「主机」 may mean an ECS or a lightweight server, 「轻量」 only the latter.
PRODUCT_WORDS: Tuple[Tuple[Tuple[str, ...], FrozenSet[str]], ...] = (
    (("轻量", "lighthouse"), frozenset({"lighthouse"})),
    (("ecs", "cvm", "弹性计算"), frozenset({"ecs"})),
    (("数据库", "rds", "mysql", "postgresql", "sql server", "redis"), frozenset({"rds"})),
    (("cdn", "流量包", "加速"), frozenset({"cdn"})),
    (("服务器", "云主机", "主机", "vps", "虚拟机", "机器", "实例"), frozenset({"ecs", "lighthouse"})),
)
# Families a customer counts with 台 (「这台」「那台」): instances, never a traffic package.
MACHINE_PRODUCTS: FrozenSet[str] = frozenset({"ecs", "lighthouse", "rds"})
ORDER_KIND_WORDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("renewal", ("续费", "续订", "续的")),
    ("new", ("新购", "新买", "新开", "刚买", "刚开", "首购")),
    ("promotion", ("双十一", "双11", "双十二", "双12", "活动", "特惠", "促销", "秒杀", "抢的", "抢购", "特价", "优惠价")),
)
PROMOTION_WORDS = dict(ORDER_KIND_WORDS)["promotion"]


def product_codes(word: str) -> FrozenSet[str]:
    """The product families a (lower-cased) product word stands for."""
    return next(codes for words, codes in PRODUCT_WORDS if word in words)


def order_kind(word: str) -> str:
    """renewal | new | promotion for one of ORDER_KIND_WORDS."""
    return next(kind for kind, words in ORDER_KIND_WORDS if word in words)
