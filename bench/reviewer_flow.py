"""How long a reviewer needs for 20 same-kind tickets, measured in a real browser: page loads
(main-frame navigations) and seconds, from the queue to the last approval.

Starts the website alone (no Rasa) over a fresh SQLite database with the demo data and 20
customers who each filed a five-day no-reason refund of a new ECS order, logs in as reviewer r1
in Debian's Chromium and approves them all at their quotes, one of these ways:

  forms     the ticket queue, open the ticket, 领取审核, 审核通过 — the only way before issue 30
  next      open the first unclaimed ticket, then 领取并按报价通过 with the keyboard; each
            decision opens the next ticket of the queue
  bulk      the 未领取 view, select the same-kind tickets, 批量按报价通过

    python -m bench.reviewer_flow [--flow forms|next|bulk] [--tickets 20]

The robot has no think time: the figures are what the pages cost, not how long reading takes."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, List

from bot.clock import utcnow
from bot.settings import PROJECT_ROOT, load_settings
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.schema import CustomerRow
from bot.storage.seed import DEMO_PASSWORD_HASH, DemoOrder, add_demo_order, seed_demo
from bot.wiring import build_services
from harness.servers import free_port, wait_for

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Measured:
    flow: str
    tickets: int
    page_loads: int
    seconds: float
    approved: int

    def line(self) -> str:
        return (f"{self.flow}: {self.approved}/{self.tickets} approved, {self.page_loads} page loads "
                f"({self.page_loads / max(1, self.approved):.1f} per ticket), {self.seconds:.1f} s")


def file_same_kind_tickets(sessions, count: int) -> List[str]:
    """`count` customers, each with a new 2-day-old ECS order refunded for a change of plans."""
    services = build_services(load_settings(), sessions)
    now = utcnow()
    ids = []
    with sessions.begin() as session:
        for n in range(count):
            customer = f"c9{n:03d}"
            session.add(CustomerRow(customer_id=customer, name=f"测试客户{n + 1:02d}", is_demo=True,
                                    password_hash=DEMO_PASSWORD_HASH))
            session.flush()
            add_demo_order(session, DemoOrder(f"bench{n}", f"20261124009{n:05d}", customer, f"ins-bench{n:03d}", "ecs",
                                              "云服务器 ECS（2核4G）", 2, 12, Decimal("1200")), now - timedelta(minutes=n))
    for n in range(count):
        filing = services.refunds.file(f"c9{n:03d}", f"20261124009{n:05d}", "demand_change", {})
        ids.append(filing.ticket.ticket_id)
    return ids


def forms(page, base: str, _: List[str]) -> None:
    """Before issue 30: from the queue, each ticket opened, taken and approved by its forms."""
    while True:
        page.goto(f"{base}/console/tickets?status=submitted")
        links = page.locator("a[href^='/console/tickets/RF']")
        if links.count() == 0:
            return
        links.first.click()
        page.wait_for_load_state()
        page.click("button:has-text('领取审核')")
        page.wait_for_load_state()
        page.click("form[action$='/approve'] button[type=submit]")
        page.wait_for_load_state()


def next_ticket(page, base: str, ids: List[str]) -> None:
    """After: the first unclaimed ticket, then 「领取并按报价通过」 by keyboard (shift+A); every
    decision opens the next ticket of the view by itself."""
    page.goto(f"{base}/console/tickets?view=unclaimed")
    page.locator("a.ticket-link").first.click()
    page.wait_for_load_state()
    for _ in ids:
        with page.expect_navigation():  # the decision's answer is the next ticket's page
            page.keyboard.press("Shift+A")
        page.wait_for_load_state()
        if page.locator("#ticket-done").count() and "已处理完" in page.inner_text("#ticket-done"):
            return


def bulk(page, base: str, _: List[str]) -> None:
    """After: the unclaimed view, every same-kind ticket selected, one bulk approval."""
    page.goto(f"{base}/console/tickets?view=unclaimed&kind=refund")
    page.check("#select-all")
    page.click("#bulk-approve")
    page.wait_for_selector("#bulk-confirm", state="visible")
    page.click("#bulk-confirm button[type=submit]")
    page.wait_for_load_state()


FLOWS: Dict[str, Callable] = {"forms": forms, "next": next_ticket, "bulk": bulk}


def measure(flow: str, count: int, workdir: Path) -> Measured:
    os.environ.setdefault("REFUND_ENV", "development")
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    ids = file_same_kind_tickets(sessions, count)
    port = free_port()
    env = {**os.environ, "REFUND_DB_URL": url, "REFUND_WEB_PORT": str(port), "PYTHONPATH": str(PROJECT_ROOT),
           "REFUND_UPLOAD_DIR": str(workdir / "uploads")}
    log = workdir / "web.log"
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=PROJECT_ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", process, log)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{base}/console/login")
            page.fill("input[name=staff_id]", "r1")
            page.fill("input[name=password]", "staff123")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            loads = []
            page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
            started = time.monotonic()
            FLOWS[flow](page, base, ids)
            seconds = time.monotonic() - started
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    workflow = build_services(load_settings(), sessions).workflow
    approved = sum(1 for t in ids if workflow.get(t).status == "approved")
    return Measured(flow, count, len(loads), seconds, approved)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow", choices=sorted(FLOWS), default="forms")
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        result = measure(args.flow, args.tickets, Path(workdir))
    print(json.dumps(result.__dict__, ensure_ascii=False) if args.json else result.line())
    return 0 if result.approved == result.tickets else 1


if __name__ == "__main__":
    sys.exit(main())
