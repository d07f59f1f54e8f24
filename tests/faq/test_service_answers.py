"""Answers to the questions next to the rules: channels, pausing/releasing, payout account."""
import re

from bot.faq.answers import channels, pause_release, payout_account
from bot.policy.config import load_policy
from bot.refunds.pages import RefundPages
from bot.settings import PROJECT_ROOT

POLICY = load_policy(PROJECT_ROOT / "policies" / "default.yml")
PAGES = RefundPages("https://support.example-cloud.cn")
# A console menu path (「费用中心 → 退订管理」, 「工单」里提交) that our website does not have.
CONSOLE_PATH = re.compile(r"控制台「|费用中心 ?→|退订管理|收支明细|续费管理|「工单」里")
STRING = re.compile(r'"([^"]*)"')  # the texts a line of Python says


def test_channels_name_every_way_and_the_support_hours():
    text = channels("每天 09:00–21:00（北京时间）", PAGES)
    assert all(word in text for word in ("在这里", "工单", "人工客服", "每天 09:00–21:00", "留言"))


def test_channels_link_to_the_websites_refund_pages_not_to_console_paths_that_do_not_exist():
    text = channels("每天 09:00–21:00（北京时间）", PAGES)
    assert "[申请退款](https://support.example-cloud.cn/refunds/apply)" in text
    assert "[我的退款](https://support.example-cloud.cn/refunds)" in text
    assert not CONSOLE_PATH.search(text), text


def test_no_customer_text_names_a_console_path_our_website_does_not_have():
    """Every reply text in bot/ and the support and FAQ files (code, comments about other
    providers' consoles and training sentences aside)."""
    texts = [PROJECT_ROOT / "domain.yml", PROJECT_ROOT / "config" / "support.yml",
             *sorted((PROJECT_ROOT / "data" / "faq").glob("*.yml")),
             *(p for p in sorted((PROJECT_ROOT / "bot").rglob("*.py")) if "policy" not in p.parts)]
    found = []
    for path in texts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            quoted = "".join(STRING.findall(line)) if path.suffix == ".py" else line.split(" #")[0]
            if CONSOLE_PATH.search(quoted) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_pause_release_says_what_stops_billing_and_what_does_not():
    text = pause_release(POLICY)
    assert "不能暂停计费" in text and "释放后立即停止计费" in text and "备份" in text


def test_payout_account_follows_the_policy_destination():
    text = payout_account(POLICY)
    assert "原支付渠道" in text and "账户余额" in text and "第三方" in text
