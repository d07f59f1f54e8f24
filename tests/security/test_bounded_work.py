"""No message costs more than linear work (issue 27, HIGH 1: one 2,000-digit message cost the
entity patterns 64–71 s of CPU while Rasa answered nobody).

Worst-case messages (harness/hostile_text.py: long runs of digits, letters, punctuation,
numerals, mixed scripts, pattern fragments side by side, digits with spaces between them, the
channel's full length) go through the whole NLU pipeline of the trained model, through every
function that reads customer text in the channel and the action server, and through the form
validations that read free text. CPU is measured with time.process_time, as the least of three
runs, so a busy machine does not decide the outcome; the budgets are ten times what the
worst case costs here, and far below what one super-linear step costs at these lengths."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable, Dict, List, Tuple

import pytest

from bot.channels.replies import MAX_MESSAGE_CHARS
from bot.clock import CUSTOMER_TZ
from bot.nlu.spans import PATTERNS
from harness.hostile_text import fixed_battery, generated, readers
from tests.widget_client import run

NLU_BUDGET = 0.5  # CPU seconds for one message at the channel's cap (worst here ≈ 0.15 s)
READER_BUDGET = 0.15  # CPU seconds for one reader on a message four times the cap (worst ≈ 0.02 s)


def cpu(read: Callable[[str], object], text: str, runs: int = 3) -> float:
    """The least CPU time of `runs` readings of `text`; a case under the budget at its first
    reading is not read again."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        read(text)
        best = min(best, time.process_time() - started)
        if best < NLU_BUDGET / 5:
            break
    return best


def worst(read: Callable[[str], object], cases: Dict[str, str]) -> List[Tuple[float, str]]:
    """The five most expensive cases, most expensive first."""
    return sorted(((cpu(read, text), name) for name, text in cases.items()), reverse=True)[:5]


def test_no_entity_pattern_repeats_a_token_without_bound():
    """spaCy's "+" or "*" over a run of n matching characters does O(n²) work or worse."""
    unbounded = [(label, token) for label, build in PATTERNS.items() for pattern in build() for token in pattern
                 if token.get("OP") in ("+", "*")]
    assert unbounded == []


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    from harness.servers import current_model

    loaded = Agent.load(current_model())
    run(loaded.parse_message("你好"))
    return loaded


@pytest.mark.filterwarnings("ignore:Failed to parse arguments")  # Rasa on "/1/1/1…": read as text
def test_worst_messages_through_the_whole_nlu_pipeline(agent):
    cases = {**fixed_battery(every_variant=False), **{f"generated {i}": text for i, text in enumerate(generated(27, 40))}}
    assert all(len(text) <= MAX_MESSAGE_CHARS for text in cases.values())
    slowest = worst(lambda text: run(agent.parse_message(text)), cases)
    assert slowest[0][0] < NLU_BUDGET, slowest


def test_ordinary_messages_read_as_before(agent):
    """The bounded patterns find what the unbounded ones found on customers' words."""
    entities = run(agent.parse_message("我要退款，订单2026 1124 0001 0001，11月20日晚上8点半买的8核16G那台，花了一千二百块"))
    assert {(e["entity"], e["value"]) for e in entities["entities"] if e["entity"] != "date"} >= {
        ("order_id", "2026112400010001"), ("spec", "8c16g"), ("amount", "1200.00")}
    # A date without a year is the latest 11月20日 not in the future.
    today = datetime.now(CUSTOMER_TZ)
    year = today.year if (today.month, today.day) >= (11, 20) else today.year - 1
    assert [e["value"] for e in entities["entities"] if e["entity"] == "date"] == [f"{year}-11-20T20:30:00+08:00"]


def test_a_message_of_spaces_alone_reads_as_nothing(agent):
    """The featurizers give it no features; the intent classifier used to fail on that."""
    assert run(agent.parse_message(" \t\n "))["intent"]["name"] in ("out_of_scope", "nlu_fallback")


READERS = readers()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_reader_is_linear_in_the_text(reader):
    """Four times the channel's cap: a reader that is quadratic in the text (a regex that
    rescans a long run from each of its characters) costs sixteen times more there."""
    cases = {**fixed_battery(4 * MAX_MESSAGE_CHARS),
             **{f"generated {i}": text for i, text in enumerate(generated(27, 40, 4 * MAX_MESSAGE_CHARS))}}
    slowest = worst(READERS[reader], cases)
    assert slowest[0][0] < READER_BUDGET, slowest

