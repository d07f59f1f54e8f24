"""`make bench`'s search for slow messages: the worst-case battery, then seeded random messages,
then mutations of the slowest found so far (a piece of one repeated, a stretch doubled, two
spliced), each through the whole NLU pipeline of the trained model and through every other
function that reads customer text. Reported: the CPU of the slowest message found and what it
was, so a new slow input shows up in the report rather than in production. Each run starts
from a new seed (printed, so a finding can be replayed with --fuzz-seed)."""
from __future__ import annotations

import asyncio
import random
import time
from typing import Any, Callable, Dict, List, Tuple

from bot.channels.replies import MAX_MESSAGE_CHARS
from harness.hostile_text import ATOMS, FRAGMENTS, fixed_battery, generated, readers

BUDGET_MS = 500.0  # what tests/security/test_bounded_work.py allows one message at the cap
KEEP = 8  # the slowest messages mutated further


def _cpu_ms(read: Callable[[str], object], text: str) -> float:
    started = time.process_time()
    read(text)
    return (time.process_time() - started) * 1000


def mutate(text: str, rng: random.Random) -> str:
    """A variation of `text` at most MAX_MESSAGE_CHARS long."""
    roll = rng.random()
    if roll < 0.3:  # a new run of some piece, somewhere
        piece = rng.choice(ATOMS + FRAGMENTS) * rng.choice((2, 20, 200))
        at = rng.randint(0, len(text))
        text = text[:at] + piece + text[at:]
    elif roll < 0.6 and text:  # a stretch of the text doubled
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(1, 64))
        text = text[:end] + text[start:end] * rng.randint(1, 30) + text[end:]
    elif roll < 0.8 and text:  # a stretch replaced by a piece
        start = rng.randrange(len(text))
        text = text[:start] + rng.choice(ATOMS) * rng.randint(1, 50) + text[start + rng.randint(1, 50):]
    else:  # two halves of messages spliced
        other = next(generated(rng.randrange(1 << 30), 1))
        text = text[:len(text) // 2] + other[len(other) // 2:]
    return text[:MAX_MESSAGE_CHARS]


def search(model: str, seed: int, seconds: float) -> Dict[str, Any]:
    """Look for slow messages for `seconds` of wall time; the slowest, by CPU."""
    import logging

    from rasa.core.agent import Agent

    logging.disable(logging.WARNING)
    agent = Agent.load(model)
    text_readers = readers()

    def nlu(text: str) -> None:
        asyncio.run(agent.parse_message(text))

    def cost(text: str) -> Tuple[float, float]:
        return _cpu_ms(nlu, text), sum(_cpu_ms(read, text) for read in text_readers.values())

    nlu("你好")
    rng = random.Random(seed)
    found: List[Tuple[float, float, str]] = []  # (NLU ms, readers ms, text)
    deadline = time.monotonic() + seconds
    sources = [*fixed_battery(every_variant=False).values(), *generated(seed, 200)]
    tried = 0
    while time.monotonic() < deadline:
        if sources:
            text = sources.pop(0)
        else:
            text = mutate(rng.choice(sorted(found, reverse=True)[:KEEP])[2], rng)
        found.append((*cost(text), text))
        tried += 1
    slowest_nlu = max(found)
    slowest_readers = max(found, key=lambda f: f[1])
    nlu_ms = sorted(f[0] for f in found)
    return {"seed": seed, "seconds": seconds, "messages": tried, "budget_ms": BUDGET_MS,
            "nlu_median_ms": round(nlu_ms[len(nlu_ms) // 2], 1), "nlu_worst_ms": round(slowest_nlu[0], 1),
            "nlu_worst_input": _describe(slowest_nlu[2]), "readers_worst_ms": round(slowest_readers[1], 1),
            "readers_worst_input": _describe(slowest_readers[2]),
            "met": slowest_nlu[0] <= BUDGET_MS and slowest_readers[1] <= BUDGET_MS}


def _describe(text: str) -> str:
    """A message as the report shows it: its length and its first characters."""
    return f"{len(text)} characters: {text[:40]!r}".replace("|", "\\|")
