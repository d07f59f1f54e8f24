"""Policy questions: routed to a topic, answered from the active policy file."""
from dataclasses import replace

import pytest

from bot.faq.answers import ANSWERS, answer, policy_summary
from bot.faq.topics import MIN_CONFIDENCE, default_classifier
from bot.policy.config import load_policy
from bot.settings import PROJECT_ROOT

POLICIES = PROJECT_ROOT / "policies"
DEFAULT = load_policy(POLICIES / "default.yml")


@pytest.mark.parametrize("question, topic", [
    ("我这个包年的机器买了三天，还能全额退吗", "no_reason_window"),
    ("后付费按小时扣的钱能退回来不", "payg"),
    ("抵扣券付的那部分钱还给我吗", "vouchers"),
    ("钱是退到原来的支付渠道吗", "destination"),
    ("退订要扣多少手续费", "fees"),
    ("服务器停机了能拿到赔偿吗", "sla"),
    ("退款大概要审核几天", "timing"),
    ("退款的规则讲一下", "overview"),
])
def test_questions_reach_their_topic(question, topic):
    predicted, confidence = default_classifier().predict(question)
    assert predicted == topic and confidence >= MIN_CONFIDENCE


@pytest.mark.parametrize("name", ["default", "alibaba", "tencent", "huawei"])
def test_every_topic_is_answered_for_every_shipped_policy(name):
    policy = load_policy(POLICIES / f"{name}.yml")
    for topic in ANSWERS:
        assert answer(topic, policy).strip()
    assert policy.name in policy_summary(policy)


def test_answers_follow_the_policy_file():
    changed = replace(DEFAULT, timing=replace(DEFAULT.timing, review_working_days=7))
    assert "约 3 个工作日内完成审核" in answer("timing", DEFAULT)
    assert "约 7 个工作日内完成审核" in answer("timing", changed)
    huawei = load_policy(POLICIES / "huawei.yml")
    assert "5 天（120 小时）内" in answer("no_reason_window", huawei)
    assert "每个账号每个自然年可使用 10 次" in answer("quota", huawei)
    tencent = load_policy(POLICIES / "tencent.yml")
    assert "含开通当天" in answer("no_reason_window", tencent) and "按月单价×折扣" in answer("consumed", tencent)
    assert "不收取手续费" in answer("fees", tencent)
