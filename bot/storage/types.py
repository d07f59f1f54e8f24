"""Column types shared by the schema."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Optional

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC; refuses naive input so local times never sneak in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class ExactDecimal(TypeDecorator):
    """A fixed-scale Decimal: NUMERIC on PostgreSQL, text on SQLite (which has no exact decimal)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        exact = Decimal(str(value)).quantize(self.quantum, rounding=ROUND_HALF_UP)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Any) -> Optional[Decimal]:
        return Decimal(str(value)).quantize(self.quantum) if value is not None else None


def Money() -> ExactDecimal:
    """Two-decimal money column returned as Decimal."""
    return ExactDecimal(14, 2)
