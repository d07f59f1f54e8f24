"""A received e-mail as staff see it (the e-mail work items link here): the whole text, the
headers that say who may have sent it, the attachments that passed the upload checks, and the
original message as a download."""
from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.clock import format_customer_time
from bot.mail.intake import AUTH_LABELS
from bot.mail.store import MailStore
from bot.web.console_views import evidence_headers
from bot.web.staff_auth import StaffAuth
from bot.wiring import Services

TEMPLATE = "console_mail.html"


def add_mail_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
    store = MailStore(services.sessions, services.settings.mail.dir)

    @console.get("/mail/<mail_id:int>")
    @auth.required(page=True, conversations=True)
    async def mail_page(request: Request, staff: Staff, mail_id: int) -> response.HTTPResponse:
        mail = store.get(mail_id)
        if mail is None:
            return auth.page(request, "console_message.html", status=404, message=labels.NO_SUCH_MAIL)
        customer = services.customers.get(mail.customer_id) if mail.customer_id else None
        return auth.page(request, TEMPLATE, mail=mail, auth=AUTH_LABELS[mail.auth_passed],
                         customer=f"{customer.name}（{customer.customer_id}）" if customer else None,
                         received=format_customer_time(mail.received_at), size=f"{mail.size:,} 字节",
                         outcome=labels.MAIL_OUTCOME_LABELS.get(mail.outcome, mail.outcome),
                         uploads=services.uploads.for_conversation_or_ticket(f"mail-{mail_id}", None))

    @console.get("/mail/<mail_id:int>/raw")
    @auth.required(page=True, conversations=True)
    async def mail_raw(request: Request, staff: Staff, mail_id: int) -> response.HTTPResponse:
        """The original message, as a download the browser will not render."""
        mail = store.get(mail_id)
        path = store.raw_path(mail.sha256) if mail else None
        if path is None or not path.is_file():
            return auth.page(request, "console_message.html", status=404, message=labels.NO_SUCH_MAIL)
        headers = {**evidence_headers("mail", "application/octet-stream"),
                   "Content-Disposition": f'attachment; filename="mail-{mail_id}.eml"'}
        return await response.file(path, mime_type="application/octet-stream", headers=headers)
