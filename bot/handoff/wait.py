"""How long a customer joining the queue will probably wait, from what actually happens: how
quickly agents claimed the last customers, how many agents are logged in, and who is ahead."""
from __future__ import annotations

import math
from datetime import timedelta
from statistics import median
from typing import Sequence


def estimate_minutes(position: int, recent_waits: Sequence[timedelta], agents_online: int,
                     average_handling_minutes: int) -> int | None:
    """Whole minutes until an agent probably claims a customer with `position` customers ahead,
    or None when nobody can say (no agent is logged in).

    Recent claims show the real pace: the typical wait of the last customers, plus the customers
    ahead shared among the agents online. With no recent claims, the configured handling time
    stands in for the pace."""
    if agents_online <= 0:
        return None
    per_customer = average_handling_minutes / agents_online
    if recent_waits:
        typical = median(w.total_seconds() for w in recent_waits) / 60
        return max(1, math.ceil(typical + position * per_customer))
    # The agent in front is half-way through a customer on average; each one ahead takes a whole one.
    return max(1, math.ceil(per_customer / 2 + position * per_customer))
