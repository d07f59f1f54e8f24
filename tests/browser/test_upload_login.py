"""A customer who opens an evidence upload link while logged out logs in and lands on the upload
page, not the chat; a login link can never send them to another site."""
from __future__ import annotations

import pytest

from bot.security.tokens import UploadGrant, issue_upload_token
from harness.servers import JWT_SECRET

# The smallest valid PNG (1×1): uploads are checked by their content.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_login_from_an_upload_link_returns_to_the_upload_page(fresh_stack, context, artifacts):
    token = issue_upload_token(JWT_SECRET, UploadGrant("c1001", "conv-upload-login", None))
    page = context.new_page()
    page.goto(f"{fresh_stack.site_url}/upload/{token}")
    page.wait_for_url(lambda url: "/login" in url and "next=" in url)
    page.fill("#customer_id", "c1001")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")  # a typo first: the way back is kept
    assert "账号或密码不正确" in page.content()
    page.fill("#password", "demo123")
    page.click("#login-submit")
    page.wait_for_url(f"**/upload/{token}")
    assert page.locator("input[type=file]").get_attribute("accept") == ".png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.log"
    assert page.inner_text("#files-label") == "选择文件" and page.inner_text("#chosen-files") == "未选择文件"
    page.set_input_files("#files", [{"name": "故障截图.png", "mimeType": "image/png", "buffer": PNG},
                                    {"name": "日志.txt", "mimeType": "text/plain", "buffer": "ERROR 宕机".encode()}])
    assert page.inner_text("#chosen-files") == "已选择 2 个文件：故障截图.png、日志.txt"
    page.screenshot(path=str(artifacts / "upload-after-login.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})
    page.screenshot(path=str(artifacts / "upload-after-login-phone.png"), full_page=True)
    page.click("#upload-submit")
    assert "已收到 2 个文件" in page.inner_text("#upload-accepted")


def test_a_login_link_never_leaves_the_site(fresh_stack, context):
    page = context.new_page()
    for target in ("//example.com/x", "/\\example.com/x", "https://example.com/x"):
        page.goto(f"{fresh_stack.site_url}/login?next={target}")
        page.fill("#customer_id", "c1001")
        page.fill("#password", "demo123")
        page.click("#login-submit")
        page.wait_for_url("**/chat")
        page.context.clear_cookies()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_files_dropped_on_the_form_go_up_with_a_progress_bar(fresh_stack, context, artifacts, viewport):
    token = issue_upload_token(JWT_SECRET, UploadGrant("c1001", f"conv-upload-drop-{viewport['width']}", None))
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(f"{fresh_stack.site_url}/login?next=/upload/{token}")
    page.fill("#customer_id", "c1001")
    page.fill("#password", "demo123")
    page.click("#login-submit")
    page.wait_for_url(f"**/upload/{token}")
    dropped = page.evaluate_handle("""bytes => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], "监控截图.png", {type: "image/png"}));
        // A program renamed to .pdf: refused by its content, whatever its name says.
        data.items.add(new File([new Uint8Array([77, 90, 144, 0, 3, 0, 0, 0, 255, 255, 0, 0])], "合同.pdf",
                                {type: "application/pdf"}));
        return data; }""", list(PNG))
    page.dispatch_event("#upload-form", "drop", {"dataTransfer": dropped})
    assert page.inner_text("#chosen-files") == "已选择 2 个文件：监控截图.png、合同.pdf"
    page.evaluate("""() => { const bar = document.getElementById("upload-progress");
        new MutationObserver(() => { if (!bar.hidden) window.progressShown = true; }).observe(bar, {attributes: true}); }""")
    page.click("#upload-submit")
    page.wait_for_selector("#upload-accepted")
    # The answer replaced the form in place: one file taken, the program refused.
    assert "已收到 1 个文件：监控截图.png" in page.inner_text("#upload-accepted")
    assert "合同.pdf" in page.inner_text(".upload-rejected")
    assert page.url.endswith(f"/upload/{token}") and page.evaluate("() => window.progressShown === true")
    assert page.inner_text("#chosen-files") == "未选择文件"  # ready for more
    page.screenshot(path=str(artifacts / f"upload-dropped-{viewport['width']}.png"), full_page=True)
