"""A reviewer at volume in a real browser (desktop 1366 and 1920): the 我的 / 未领取 / 全部 views with
their counts, the assignee column, pages and search by customer name; a decision by keyboard
opens the next ticket; bulk approval at the quotes; a colleague's ticket read-only until
reassigned; evidence previewed in the page; axe-core finds no serious violation."""
from __future__ import annotations

import io
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image

from bot.clock import utcnow
from bot.security.tokens import UploadGrant
from bot.settings import load_settings
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order
from bot.wiring import build_services
from tests.browser.test_handoff import console_login
from tests.browser.test_review_workspace import serious_violations
from tests.conftest import website

NAMES = ["王芳", "李娜", "张敏", "刘静", "陈丽", "杨洋", "赵磊", "黄强", "周杰", "吴霞", "徐明", "孙丽",
         "胡斌", "朱琳", "高峰", "林涛", "何静", "郭亮", "马超", "罗敏", "梁爽", "宋佳", "郑浩", "谢婷",
         "韩雪", "唐宁", "冯刚", "于洁"]
LOG = "2026-11-24 03:12:09 ERROR connect timeout to 10.0.0.12:3306\n2026-11-24 03:12:19 ERROR 实例无响应\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 60, 60)).save(out, format="PNG")
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The website over a database with 28 same-kind tickets of 28 named customers; one is held by
    a colleague (a2), one carries a picture, a PDF and a text log."""
    workdir = tmp_path_factory.mktemp("reviewer-flow")
    old = os.environ.get("REFUND_UPLOAD_DIR")
    os.environ["REFUND_UPLOAD_DIR"] = str(workdir / "uploads")
    try:
        with website("sqlite", workdir, {}) as (url, sessions):
            services = build_services(load_settings(), sessions)
            now = utcnow()
            with sessions.begin() as session:
                for n, name in enumerate(NAMES):
                    session.add(CustomerRow(customer_id=f"c6{n:03d}", name=name, is_demo=True,
                                            password_hash=DEMO_PASSWORD_HASH))
                    session.flush()
                    add_demo_order(session, DemoOrder(f"rf{n}", f"20261124006{n:05d}", f"c6{n:03d}", f"ins-rf{n:03d}",
                                                      "ecs", "云服务器 ECS（2核4G）", 2, 12, Decimal("1200")),
                                   now - timedelta(minutes=n))
            ids = [services.refunds.file(f"c6{n:03d}", f"20261124006{n:05d}", "demand_change", {}).ticket.ticket_id
                   for n in range(len(NAMES))]
            services.workflow.take(ids[-1], "a2")
            grant = UploadGrant("c6000", "conv-evidence", ids[0])
            for filename, data in (("故障截图.png", png()), ("账单.pdf", PDF), ("错误日志.txt", LOG.encode())):
                services.uploads.save(grant, filename, data, now)
            yield url, services, ids
    finally:
        if old is None:
            os.environ.pop("REFUND_UPLOAD_DIR", None)
        else:
            os.environ["REFUND_UPLOAD_DIR"] = old


def reviewer(browser, url: str, width: int):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    console_login(page, url, staff="r1")
    return context, page


def fits_the_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1366, 1920])
def test_views_counts_pages_search_and_a_colleagues_ticket(site, browser, artifacts, width):
    url, services, ids = site
    context, page = reviewer(browser, url, width)
    page.goto(f"{url}/console/tickets")
    # r1 holds nothing yet: the queue opens on 未领取, with every view counted.
    assert page.get_attribute("#view-unclaimed", "aria-current") == "page"
    counts = {v: page.inner_text(f"#view-{v} .count") for v in ("mine", "unclaimed", "all")}
    unclaimed = sum(1 for t in ids if services.workflow.get(t).reviewer_id is None)
    assert counts["unclaimed"] == str(unclaimed) and int(counts["all"]) >= len(ids)
    assert page.locator("table.queue tbody tr").count() == 25 and page.locator("#page-next").count() == 1
    assert "第 1 / 2 页" in page.inner_text("main") and fits_the_width(page)
    page.screenshot(path=str(artifacts / f"review-queue-unclaimed-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    page.click("#page-next")
    assert "第 2 / 2 页" in page.inner_text("main")

    page.click("#view-all")
    page.fill("#search", "于洁")  # the customer's name finds the colleague's ticket
    page.click("button:has-text('筛选')")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1 and "于洁" in rows.inner_text() and "客服 小李" in rows.inner_text()
    assert rows.locator("input.bulk-pick").count() == 0  # not selectable for bulk approval
    page.click("a.ticket-link")
    warning = page.inner_text("#colleague-warning")
    assert "客服 小李" in warning and "改派给自己" in warning
    assert page.locator("form[action$='/approve'], form[action$='/reject'], #quick-approve").count() == 0
    page.screenshot(path=str(artifacts / f"review-colleague-readonly-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


def test_a_colleagues_ticket_is_refused_then_reassigned(site, browser):
    url, services, ids = site
    colleagues = ids[-1]
    context, page = reviewer(browser, url, 1366)
    page.goto(f"{url}/console/tickets/{colleagues}")
    csrf = page.get_attribute("meta[name=csrf-token]", "content")
    refused = page.request.post(f"{url}/console/api/tickets/{colleagues}/approve", data="{}",
                                headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert refused.status == 409 and "改派给自己" in refused.json()["error"]
    assert services.workflow.get(colleagues).status == "under_review"
    page.fill("#reassign-note", "小李今天休假")
    page.click("button:has-text('改派给我')")
    page.wait_for_selector("[role=status]:has-text('已改派给你')")
    assert page.locator("#colleague-warning").count() == 0 and page.locator("#quick-approve").count() == 1
    assert services.workflow.get(colleagues).reviewer_id == "r1"
    assert "由 客服 小李（a2） 改派给 审核员 小陈（r1）：小李今天休假" in page.inner_text("section[aria-labelledby=h-time]")
    context.close()


def test_evidence_previews_in_the_page(site, browser, artifacts):
    url, _, ids = site
    context, page = reviewer(browser, url, 1366)
    page.goto(f"{url}/console/tickets/{ids[0]}?view=unclaimed")
    page.click(".preview-button[data-name='错误日志.txt']")
    page.wait_for_selector("pre.preview-text")
    assert "connect timeout" in page.inner_text("pre.preview-text") and "实例无响应" in page.inner_text("pre.preview-text")
    page.click(".preview-button[data-name='故障截图.png']")
    page.wait_for_function("() => document.querySelector('img.preview-image')?.naturalWidth === 320")
    page.click(".preview-button[data-name='账单.pdf']")
    frame = page.wait_for_selector("iframe.preview-pdf")
    shown = page.request.get(url + frame.get_attribute("src"))
    assert shown.status == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    download = page.request.get(f"{url}{frame.get_attribute('src').split('?')[0]}")
    assert download.headers["content-disposition"].startswith("attachment")  # without ?inline=1: a download
    checklist = page.inner_text("form[action$='/request-info']") if page.locator("form[action$='/request-info']").count() else ""
    assert "两笔扣款的交易流水" not in checklist
    page.screenshot(path=str(artifacts / "review-evidence-preview-1366.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [1366, 1920])
def test_keyboard_decisions_open_the_next_ticket_and_bulk_approves_the_rest(site, browser, artifacts, width):
    url, services, ids = site
    context, page = reviewer(browser, url, width)
    page.goto(f"{url}/console/tickets?view=unclaimed")
    page.locator("a.ticket-link").first.click()
    page.wait_for_selector("#h-keys")
    assert "Shift" in page.inner_text("section[aria-labelledby=h-keys]")  # the shortcuts are on the page
    first = page.inner_text("h1").split()[1]
    with page.expect_navigation():
        page.keyboard.press("Shift+A")
    second = page.inner_text("h1").split()[1]
    assert second != first and f"工单 {first}：已审核通过" in page.inner_text("p.notice[role=status]")
    assert services.workflow.get(first).status == "approved" and services.workflow.get(first).approved_by == "r1"
    assert page.get_attribute("#next-ticket", "href").endswith("?view=unclaimed")  # the queue goes along
    page.keyboard.press("j")
    page.wait_for_function("t => !document.querySelector('h1').innerText.includes(t)", arg=second)
    page.keyboard.press("k")
    page.wait_for_function("t => document.querySelector('h1').innerText.includes(t)", arg=second)
    page.screenshot(path=str(artifacts / f"review-next-ticket-{width}.png"), full_page=True)
    assert serious_violations(page) == []

    page.goto(f"{url}/console/tickets?view=unclaimed&kind=refund")
    page.check("#select-all")
    boxes = page.locator("input.bulk-pick")
    assert page.locator("input.bulk-pick:checked").count() == boxes.count() > 8
    for n in range(8, boxes.count()):  # the other width's run keeps some for itself
        boxes.nth(n).uncheck()
    picked = page.locator("input.bulk-pick:checked").count()
    assert picked == 8 and "（8）" in page.inner_text("#bulk-approve")
    page.click("#bulk-approve")
    page.wait_for_selector("#bulk-confirm", state="visible")
    assert f"将按报价通过 {picked} 个" in page.inner_text("#bulk-confirm-text")
    page.screenshot(path=str(artifacts / f"review-bulk-confirm-{width}.png"))
    page.click("#bulk-confirm button[type=submit]")
    page.wait_for_selector("#bulk-result")
    assert f"已通过 {picked} 个" in page.inner_text("#bulk-result")
    page.screenshot(path=str(artifacts / f"review-bulk-result-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    context.close()
