"""Headless Debian Chromium driven by Playwright against the running stack."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser is a broken set-up
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def context(browser, request, artifacts):
    """A fresh browser profile; on failure every open page is saved as a screenshot."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(30_000)
    yield ctx
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for n, page in enumerate(ctx.pages):
            page.screenshot(path=str(artifacts / f"failed-{request.node.name}-{n}.png"), full_page=True)
    ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots land in test-results/ (kept out of git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
