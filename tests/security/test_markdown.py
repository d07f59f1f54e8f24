"""Bot messages reach the widget's Markdown renderer with web links only and no images."""
import pytest

from bot.channels.markdown import safe_markdown


@pytest.mark.parametrize("text,expected", [
    ("[点我查看](javascript:alert(document.cookie))", "点我查看)"),
    ("[x]( JavaScript:alert(1) \"title\")", "x \"title\")"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "x"),
    ("[x](vbscript:msgbox)", "x"),
    ("[x](//evil.example/steal)", "x"),
    ("<javascript:alert(1)>", "javascript:alert(1)"),
    ("![追踪像素](https://tracker.example/p.png?u=1)", "追踪像素"),
    ("![a][1]\n[1]: https://tracker.example/p.png", "a\n[1]: https://tracker.example/p.png"),
    ("[x][1]\n\n[1]: javascript:alert(1)", "[x][1]\n\n"),
])
def test_unsafe_links_and_images_lose_their_target(text, expected):
    assert safe_markdown(text) == expected
    kept = safe_markdown(text).lower().replace(" ", "")
    assert "](javascript" not in kept and "](data:" not in kept and "](//" not in kept and "![" not in kept


@pytest.mark.parametrize("text", [
    "[帮助中心](https://help.example-cloud.cn/refund)", "[上传材料](/upload/abc.def)",
    "<https://help.example-cloud.cn>", "退款 1,200.00 元（原路退回）", "**加粗** 和 `代码`",
])
def test_safe_text_is_unchanged(text):
    assert safe_markdown(text) == text
