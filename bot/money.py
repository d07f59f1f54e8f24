"""Money helpers: every amount is a Decimal in yuan with two places, rounded half-up."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Union

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Number = Union[Decimal, int, str]


def to_money(value: Number) -> Decimal:
    """Convert `value` to a Decimal rounded half-up to cents; floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str or Decimal")
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def format_yuan(amount: Decimal) -> str:
    """Render an amount the way Chinese customers read it, e.g. ``1,200.00 元``."""
    return f"{to_money(amount):,.2f} 元"
