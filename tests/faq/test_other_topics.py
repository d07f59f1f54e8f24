"""Answers to what is not ours: one for every topic the training data has, facts from the policy,
a person to turn to, and the general answer when the topic is only a guess."""
from pathlib import Path

import pytest
import yaml

from bot.faq.other_topics import GENERAL, PERSON_BUTTONS, TOPICS, other_topic_answer
from bot.policy.config import load_policy
from bot.settings import PROJECT_ROOT

POLICIES = sorted((PROJECT_ROOT / "policies").glob("*.yml"))
HOURS = "每天 09:00–21:00（北京时间，法定节假日除外）"


def data_topics():
    topics = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if block.get("intent") == "out_of_scope":
                topics.add((block.get("metadata") or {}).get("topic"))
    return topics


def test_every_out_of_scope_block_has_a_topic_we_answer():
    assert data_topics() == set(TOPICS)


@pytest.mark.parametrize("policy_file", POLICIES, ids=[p.stem for p in POLICIES])
@pytest.mark.parametrize("topic", sorted(TOPICS - {"everyday"}))
def test_each_topic_has_a_short_answer_and_a_person(policy_file: Path, topic: str):
    text, buttons = other_topic_answer(topic, 0.9, load_policy(policy_file), HOURS)
    assert text != GENERAL and len(text) < 200 and buttons == PERSON_BUTTONS
    assert "我要退款，订单" not in text and "可退金额" not in text


def test_facts_follow_the_policy():
    default = load_policy(PROJECT_ROOT / "policies" / "default.yml")
    text, _ = other_topic_answer("invoice", 0.9, default, HOURS)
    assert "账户余额" in text
    days = default.timing.payout_working_days["account_balance"]
    assert f"约 {days} 个工作日" in other_topic_answer("balance_withdrawal", 0.9, default, HOURS)[0]
    assert str(default.sla.commitment_percent) in other_topic_answer("technical", 0.9, default, HOURS)[0]
    assert HOURS in other_topic_answer("account", 0.9, default, HOURS)[0]


def test_a_guessed_or_unknown_topic_gets_the_general_answer():
    default = load_policy(PROJECT_ROOT / "policies" / "default.yml")
    assert other_topic_answer("invoice", 0.2, default, HOURS) == (GENERAL, [])
    assert other_topic_answer(None, 0.0, default, HOURS) == (GENERAL, [])
    assert other_topic_answer("everyday", 0.99, default, HOURS) == (GENERAL, [])
