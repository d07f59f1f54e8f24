"""Errors that no page answered itself (an unknown address, a method a route does not take, a
request line or header too long, a body Sanic could not read, an unexpected failure): the
customer reads why in Chinese on a plain page instead of the framework's English one. The
JSON APIs (/api/, /console/api/) keep Sanic's JSON errors for their callers."""
from __future__ import annotations

from html import escape

from sanic import response
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.request import Request

from bot.web import texts
from bot.web.cookies import SECURITY_HEADERS

JSON_PREFIXES = ("/api/", "/console/api/")
PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 云途云计算</title>
<style>body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;background:#f5f7fa;color:#1f2937;margin:0}}
main{{max-width:560px;margin:48px auto;padding:24px;background:#fff;border-radius:8px}}
h1{{font-size:20px;margin:0 0 12px}}.notice-error{{background:#fdecea;color:#8a1c12;padding:10px 14px;border-radius:4px}}
a{{color:#1f4e8c}}</style></head>
<body><main><h1>{title}</h1><p class="notice-error" role="alert" id="page-error">{message}</p>
<p><a href="/refunds">我的退款</a> · <a href="/chat">在线客服</a></p></main></body></html>"""


def error_text(status: int) -> str:
    if status >= 500:
        return texts.HTTP_ERROR_SERVER
    return texts.HTTP_ERRORS.get(status, texts.HTTP_ERROR_OTHER)


class SiteErrors(ErrorHandler):
    """The website's fallback for errors: a Chinese page with the right status."""

    def default(self, request: Request, exception: BaseException) -> response.HTTPResponse:
        path = getattr(request, "path", "") or ""
        if path.startswith(JSON_PREFIXES):
            return super().default(request, exception)
        status = exception.status_code if isinstance(exception, SanicException) else 500
        if status >= 500:
            self.log(request, exception)
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
        allowed = getattr(exception, "headers", None)  # 405 names the methods the address takes
        if status == 405 and isinstance(allowed, dict):
            headers.update(allowed)
        page = PAGE.format(title=escape(texts.HTTP_ERROR_TITLE), message=escape(error_text(status)))
        return response.html(page, status=status, headers=headers)
