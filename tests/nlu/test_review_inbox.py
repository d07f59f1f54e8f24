"""The NLU review inbox on SQLite and PostgreSQL: what is kept (masked, once per wording), what
is not, the operators' decisions, and an export Rasa reads that repeats no known sentence."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.nlu.review_inbox import ReviewInbox, domain_intents, known_wordings, needs_review, wording_key
from bot.settings import PROJECT_ROOT
from tests.clock import FakeClock

NOON = datetime(2026, 12, 3, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def inbox(sessions):
    return ReviewInbox(sessions, FakeClock(NOON))


@pytest.mark.parametrize("intent, confidence, kept", [
    ("nlu_fallback", 0.9, True), (None, None, True), ("ask_refund_status", 0.49, True),
    ("ask_refund_status", 0.5, False), ("greet", 0.99, False), ("greet", "nan", True), ("greet", "abc", True)])
def test_what_needs_a_human_look(intent, confidence, kept):
    assert needs_review(intent, confidence) is kept


def test_inside_a_form_only_the_fallback_needs_a_look():
    assert not needs_review("inform", 0.2, in_form=True)  # a form answer the form reads itself
    assert needs_review("nlu_fallback", 0.9, in_form=True) and needs_review(None, None, in_form=True)


def test_personal_data_never_reaches_the_inbox(inbox):
    inbox.record("我手机13812345678，身份证110101199003071234，卡号6222020200112233445 退钱", "nlu_fallback", 0.1)
    text = inbox.items()[0].text
    for secret in ("13812345678", "110101199003071234", "6222020200112233445"):
        assert secret not in text
    assert "138****5678" in text and "退钱" in text


def test_one_row_per_wording_counted_and_payloads_and_sure_guesses_skipped(inbox):
    assert inbox.record("钱咋还没到", "nlu_fallback", 0.12)
    inbox.clock.now += timedelta(minutes=5)
    assert inbox.record(" 钱咋还没到 ", "ask_refund_status", 0.3)  # same wording, other spacing
    assert inbox.record("錢咋還沒到", "nlu_fallback", 0.2)  # traditional characters: the same wording too
    assert not inbox.record('/inform{"order_id": "1"}', "inform", 1.0)  # a button, not customer words
    assert not inbox.record("   ", "nlu_fallback", 0.0)
    assert not inbox.record("你好", "greet", 0.98)
    [item] = inbox.items()
    assert item.seen == 3 and item.last_seen == NOON + timedelta(minutes=5) and item.confidence == Decimal("0.120")


def test_operators_label_or_dismiss_and_the_export_reads_as_rasa_training_data(inbox):
    for text in ("钱咋还没到", "你们这破机器老卡", "asdfgh", "我要退款"):
        inbox.record(text, "nlu_fallback", 0.1)
    ids = {item.text: item.id for item in inbox.items()}
    assert inbox.label(ids["钱咋还没到"], "ask_refund_status", "o1").status == "labelled"
    assert inbox.label(ids["你们这破机器老卡"], "complain", "o1") is not None
    assert inbox.label(ids["我要退款"], "request_refund", "o1") is not None
    assert inbox.dismiss(ids["asdfgh"], "o1").status == "dismissed"
    assert inbox.label(999_999, "greet", "o1") is None
    assert {i.text for i in inbox.items()} == set()  # nothing left to do
    exported = inbox.export({wording_key("我要退款")})  # already in our data: left out
    data = RasaYAMLReader().reads(exported)
    assert {(m.get("intent"), m.get("text")) for m in data.intent_examples} == {
        ("ask_refund_status", "钱咋还没到"), ("complain", "你们这破机器老卡")}


def test_an_empty_export_is_still_a_valid_file(inbox):
    assert RasaYAMLReader().reads(inbox.export(set())).intent_examples == []


def test_known_wordings_cover_our_data_without_annotations_and_the_evaluation_sets(tmp_path: Path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n    - 订单[2026112400010001](order_id)要退\n',
                   encoding="utf-8")
    evaluation = tmp_path / "eval"
    evaluation.mkdir()
    (evaluation / "set.tsv").write_text("text\tlabel\n评测里的一句话\tx\n", encoding="utf-8")
    keys = known_wordings([nlu], evaluation)
    assert wording_key("订单2026112400010001要退") in keys and wording_key("评测里的一句话") in keys
    assert known_wordings([nlu], tmp_path / "missing") == {wording_key("订单2026112400010001要退")}


def test_operators_choose_among_the_domain_intents_each_with_a_chinese_meaning():
    from bot.backoffice.labels import INTENT_LABELS

    intents = domain_intents(PROJECT_ROOT / "domain.yml")
    assert "nlu_fallback" not in intents and "request_refund" in intents
    assert set(intents) <= set(INTENT_LABELS)
