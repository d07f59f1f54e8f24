"""An operator works the NLU review inbox in a real browser: masked messages, labelled or
dismissed; the export is a file `rasa data validate` accepts with our data; other roles are
kept out. Laptop and tablet."""
from __future__ import annotations

import subprocess
import sys

from bot.settings import PROJECT_ROOT
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import fits_the_width, serious_violations

SECRETS = ("13812345678", "110101199003071234", "6222020200112233445")
SAID = ["钱到底啥时候能回来啊，手机13812345678", "你们这机器三天两头连不上，身份证110101199003071234",
        "能不能退到卡6222020200112233445上", "asdf qwer"]


def validate(paths) -> subprocess.CompletedProcess:
    rasa = [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings", "--domain", "domain.yml",
            "--data", "data", *map(str, paths)]
    return subprocess.run(rasa, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_operator_labels_messages_and_exports_training_data(fresh_stack, browser, artifacts, tmp_path):
    inbox = fresh_stack.services.nlu_review
    for text in SAID + SAID[:1]:  # the first one twice: one row, counted
        inbox.record(text, "nlu_fallback", 0.12)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="o1", home="/console/dashboard")
    page.click("nav >> text=NLU 审核")
    page.wait_for_url("**/console/nlu")
    body = page.inner_text("main")
    assert not any(secret in body for secret in SECRETS) and "138****5678" in body
    rows = page.locator("tr.review-row")
    assert rows.count() == 4 and "2" in rows.first.inner_text()  # the most frequent first
    page.screenshot(path=str(artifacts / "nlu-review-inbox.png"), full_page=True)
    assert serious_violations(page) == []

    def decide(fragment: str, intent: str = "") -> None:
        row = page.locator("tr.review-row", has_text=fragment)
        if intent:
            row.locator("select[name=intent]").select_option(intent)
            row.locator("button", has_text="标注").click()
        else:
            row.locator("button", has_text="忽略").click()
        page.wait_for_load_state()

    row = page.locator("tr.review-row", has_text="啥时候能回来")
    row.locator("button", has_text="标注").click()  # nothing chosen
    assert "请从列表中选择一个意图" in page.inner_text("[role=alert]")
    decide("啥时候能回来", "ask_refund_status")
    decide("连不上", "complain")
    decide("退到卡", "ask_refund_channel")
    decide("asdf")
    assert page.locator("tr.review-row").count() == 0 and "暂无" in page.inner_text("#inbox")
    page.click("nav.filters a:has-text('已标注')")
    assert page.locator("tr.review-row").count() == 3 and "查询退款进度（运营 小赵（o1））" in page.inner_text("#inbox")
    page.click("nav.filters a:has-text('已忽略')")
    assert page.locator("tr.review-row").count() == 1

    with page.expect_download() as download:
        page.click("#export-yaml")
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name.startswith("nlu_review_") and exported.suffix == ".yml"
    text = exported.read_text(encoding="utf-8")
    assert not any(secret in text for secret in SECRETS) and "asdf" not in text
    assert "- intent: ask_refund_status" in text and "钱到底啥时候能回来啊，手机138****5678" in text
    checked = validate([exported])
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("ask_refund_status", "no_such_intent"), encoding="utf-8")
    assert validate([broken]).returncode != 0  # the check would catch a wrong label

    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet
    page.goto(f"{fresh_stack.site_url}/console/nlu?status=labelled")
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts / "nlu-review-tablet.png"), full_page=True)
    context.close()


def test_only_operators_see_the_inbox(fresh_stack, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    console_login(page, fresh_stack.site_url, staff="a2")  # agent and reviewer, not operator
    assert "NLU 审核" not in page.inner_text("nav")
    response = page.goto(f"{fresh_stack.site_url}/console/nlu")
    assert response.status == 403 and "运营角色才能" in page.inner_text("main")
    context.close()
