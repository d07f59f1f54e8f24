"""Answers to the questions next to the rules: channels, pausing/releasing, payout account."""
from bot.faq.answers import channels, pause_release, payout_account
from bot.policy.config import load_policy
from bot.settings import PROJECT_ROOT

POLICY = load_policy(PROJECT_ROOT / "policies" / "default.yml")


def test_channels_name_every_way_and_the_support_hours():
    text = channels("每天 09:00–21:00（北京时间）")
    assert all(word in text for word in ("在这里", "工单", "人工客服", "每天 09:00–21:00", "留言"))


def test_pause_release_says_what_stops_billing_and_what_does_not():
    text = pause_release(POLICY)
    assert "不能暂停计费" in text and "释放后立即停止计费" in text and "备份" in text


def test_payout_account_follows_the_policy_destination():
    text = payout_account(POLICY)
    assert "原支付渠道" in text and "账户余额" in text and "第三方" in text
