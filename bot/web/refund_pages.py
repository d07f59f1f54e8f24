"""The customer's refund pages: 「我的退款」 (their tickets, one ticket with its timeline, quote,
the reviewer's words, evidence and the actions its state allows) and 「申请退款」 (choose the
order, what to apply for and why, answer what that reason asks, see the itemised quote, confirm).

Every change goes through the use cases the chat uses (bot/refunds/application.py over
RefundService; TicketWorkflow for supplements, appeals, withdrawals and 催办), with the same
rules; every POST carries the login's CSRF token; every failure says why in Chinese, keeps what
was typed and changes nothing. Plain HTML forms: they work without scripts and with a keyboard.
Forms with files are read as they arrive (bot/web/upload_body.py): the CSRF token comes first,
and no file byte is kept for a page that has expired.

The confirmation of a quote is a signed token (bot/security/tokens.py) bound to the login, the
application's every field and the quote's fingerprint: filing re-quotes from billing and files
only that quote, once. A one-time mail link (bot/mail/links.py) opens the application filled in
with what the customer's e-mail said (`?mail=<link>`), for the customer it was sent to."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs, quote

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import utcnow
from bot.errors import NotFound
from bot.handoff.summary import build_summary
from bot.mail.links import MailLinks
from bot.nlu.form_answers import evidence_links
from bot.refunds import form_texts
from bot.refunds.application import (
    MAX_TEXT,
    AlreadyFiled,
    Application,
    Offer,
    Problems,
    SelfService,
    incident_moment,
    new_draft,
    typed_moment,
)
from bot.refunds.pages import APPLY, MY_REFUNDS, ticket_path
from bot.refunds.service import QuoteChanged
from bot.security.ratelimit import rate_limiter
from bot.security.tokens import (
    Confirmation,
    LoginClaim,
    TokenError,
    UploadGrant,
    issue_confirmation_token,
    verify_confirmation_token,
)
from bot.tickets.labels import REASON_LABELS
from bot.tickets.ledger import LedgerRefused
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import Ticket
from bot.tickets.workflow import InvalidRequest
from bot.uploads.store import ACCEPTED_EXTENSIONS, ALLOWED_DESCRIPTION, IncomingFile, UploadsRejected, size_label
from bot.vocabulary import Actor, HandoffKind, RefundReason
from bot.web import refund_views as views
from bot.web import texts
from bot.web.console_views import evidence_headers
from bot.web.customer_auth import CustomerAuth
from bot.web.upload_body import BodyTooLarge, MalformedBody, body_chunks, multipart_boundary, receive_form
from bot.wiring import Services

logger = logging.getLogger(__name__)
CHANGES_PER_WINDOW, WINDOW_SECONDS = 40, 600  # form steps, confirmations and ticket actions per customer
FORM_FIELDS, FIELD_BYTES = 40, 16 * 1024  # what a refund form may send besides its files
FORM_BYTES = 256 * 1024  # a form without files (the confirmation, a withdrawal)
Page = response.HTTPResponse


@dataclass
class Posted:
    """A form as it arrived: its fields, the files received (not yet stored), the reasons some
    were refused on the way, and why the whole post is refused (page expired, too often)."""

    fields: Dict[str, str] = field(default_factory=dict)
    files: List[IncomingFile] = field(default_factory=list)
    rejected: List[str] = field(default_factory=list)
    refusal: Optional[Tuple[int, str]] = None

    def get(self, name: str) -> Optional[str]:
        return self.fields.get(name)

    def discard(self) -> None:
        for incoming in self.files:
            incoming.discard()


class BodyRefused(Exception):
    """The body itself cannot be read (too large, malformed): `status` and Chinese `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def add_refund_routes(app: Sanic, auth: CustomerAuth, services: Services) -> None:
    settings, workflow, uploads = services.settings, services.workflow, services.uploads
    selfservice = SelfService(services.refunds, uploads)
    mail_links = MailLinks(services.sessions, settings.jwt_secret, settings.site_url)
    limiter = rate_limiter("refund_pages", CHANGES_PER_WINDOW, WINDOW_SECONDS, settings.redis_url)
    body_limit = settings.upload_max_bytes * settings.upload_max_files + 1024 * 1024
    max_size = size_label(settings.upload_max_bytes)
    upload_rules = {"allowed": ALLOWED_DESCRIPTION, "accept": ACCEPTED_EXTENSIONS, "max_size": max_size,
                    "max_files": settings.upload_max_files}

    def login_or_redirect(request: Request) -> Union[LoginClaim, Page]:
        """The customer's login, or the way to log in and come back here."""
        login = auth.current_login(request)
        if login is None or auth.current_customer(request) is None:
            target = request.path + (f"?{request.query_string}" if request.query_string else "")
            return response.redirect(f"/login?next={quote(target, safe='/')}", status=303)
        return login

    async def read_form(request: Request, cid: str) -> Posted:
        """The posted form, multipart (files to disk as they arrive) or urlencoded; its CSRF
        token and the customer's allowance are ruled on before any file is kept."""
        posted = Posted()

        def admit(sent: str) -> None:
            if not auth.csrf_ok(request, sent):
                posted.refusal = (403, texts.REFUNDS_PAGE_EXPIRED)
            elif not limiter.allow(f"customer:{cid}"):
                posted.refusal = (429, texts.REFUNDS_TOO_OFTEN)
            admitted.append(True)

        admitted: List[bool] = []
        header = request.headers.get("x-csrf-token")
        if header is not None:
            admit(header)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > body_limit):
            raise BodyRefused(413, texts.upload_too_large(settings.upload_max_files, max_size))
        boundary = multipart_boundary(request.headers.get("content-type"))
        if request.stream is not None:  # a body without a declared length is cut off too
            request.stream.request_max_size = body_limit if boundary is not None else FORM_BYTES
        try:
            if boundary is None:
                posted.fields = await _urlencoded(request)
                if not admitted:
                    admit(posted.fields.get("csrf", ""))
            else:
                posted.fields, posted.files, posted.rejected = await receive_form(
                    body_chunks(request), boundary, lambda name: None if posted.refusal else uploads.receive(name),
                    settings.upload_max_files, texts.upload_too_many(settings.upload_max_files),
                    None if admitted else admit, FORM_FIELDS, FIELD_BYTES)
        except (PayloadTooLarge, BodyTooLarge) as exc:
            raise BodyRefused(413, texts.upload_too_large(settings.upload_max_files, max_size)) from exc
        except MalformedBody as exc:
            logger.info("refund form body refused: %s", exc)
            raise BodyRefused(400, texts.FORM_MALFORMED) from exc
        if not admitted:  # no token at all
            posted.refusal = (403, texts.REFUNDS_PAGE_EXPIRED)
        if posted.refusal:
            posted.discard()
            posted.files = []
        return posted

    def body_refused(request: Request, refused: BodyRefused) -> Page:
        return auth.page(request, "refund_error.html", status=refused.status, error=refused.message)

    # --- 我的退款 --------------------------------------------------------------------------------

    @app.get(MY_REFUNDS)
    async def my_refunds(request: Request) -> Page:
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        cid = login.subject
        orders = {o.order_id: o for o in services.refunds.orders(cid)}
        rows = [views.row(t, orders.get(t.order_id), workflow.is_overdue(t)) for t in services.refunds.tickets_for(cid)]
        return auth.page(request, "refunds.html", rows=rows, section="refunds")

    @app.get(f"{MY_REFUNDS}/<ticket_id:str>")
    async def ticket_page(request: Request, ticket_id: str) -> Page:
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        done = request.args.get("done", "")
        notices = [texts.DONE[done]] if done in texts.DONE else []
        if request.args.get("agent") == "1":
            notices.append(texts.AGENT_FOLLOWS)
        return ticket_view(request, login.subject, ticket_id, notices=notices)

    def ticket_view(request: Request, cid: str, ticket_id: str, status: int = 200, error: Optional[str] = None,
                    notices: Optional[List[str]] = None, form: Optional[Dict[str, str]] = None) -> Page:
        ticket = workflow.get_customers(cid, ticket_id)
        if ticket is None:
            return auth.page(request, "refund_error.html", status=404, error=texts.TICKET_NOT_FOUND, section="refunds")
        order = services.refunds.order(cid, ticket.order_id)
        overdue = workflow.is_overdue(ticket)
        actions = set(workflow.allowed_actions(ticket, Actor.CUSTOMER)) | ({"chase"} if overdue else set())
        view = views.ticket_view(ticket, order, uploads.for_ticket(cid, ticket.ticket_id), overdue)
        return auth.page(request, "refund_ticket.html", status=status, ticket=view, actions=actions, error=error,
                         notices=notices or [], form=form or {}, section="refunds", **upload_rules)

    @app.get(f"{MY_REFUNDS}/<ticket_id:str>/files/<upload_id:int>")
    async def own_file(request: Request, ticket_id: str, upload_id: int) -> Page:
        """A file the customer sent for their ticket, back to them as an inert download."""
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        ticket = workflow.get_customers(login.subject, ticket_id)
        upload = next((u for u in uploads.for_ticket(login.subject, ticket.ticket_id) if u.upload_id == upload_id),
                      None) if ticket is not None else None
        path = uploads.path_for(upload.sha256) if upload is not None else None
        if upload is None or path is None or not path.is_file():
            return auth.page(request, "refund_error.html", status=404, error=texts.FILE_NOT_FOUND, section="refunds")
        return await response.file(path, mime_type=upload.content_type,
                                   headers=evidence_headers(upload.filename, upload.content_type))

    @app.post(f"{MY_REFUNDS}/<ticket_id:str>/supplement", stream=True)
    async def supplement(request: Request, ticket_id: str) -> Page:
        return await ticket_change(request, ticket_id, "supplement")

    @app.post(f"{MY_REFUNDS}/<ticket_id:str>/appeal", stream=True)
    async def appeal(request: Request, ticket_id: str) -> Page:
        return await ticket_change(request, ticket_id, "appeal")

    @app.post(f"{MY_REFUNDS}/<ticket_id:str>/withdraw", stream=True)
    async def withdraw(request: Request, ticket_id: str) -> Page:
        return await ticket_change(request, ticket_id, "withdraw")

    @app.post(f"{MY_REFUNDS}/<ticket_id:str>/chase", stream=True)
    async def chase(request: Request, ticket_id: str) -> Page:
        return await ticket_change(request, ticket_id, "chase")

    async def ticket_change(request: Request, ticket_id: str, action: str) -> Page:
        """One of the customer's steps on their ticket, through the workflow the chat uses."""
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        cid = login.subject
        if workflow.get_customers(cid, ticket_id) is None:  # before reading a byte of the body
            return ticket_view(request, cid, ticket_id)
        try:
            posted = await read_form(request, cid)
        except BodyRefused as refused:
            return ticket_view(request, cid, ticket_id, status=refused.status, error=refused.message,
                               form={"action": action})
        try:
            return changed_ticket(request, cid, ticket_id, action, posted)
        finally:
            posted.discard()

    def changed_ticket(request: Request, cid: str, ticket_id: str, action: str, posted: Posted) -> Page:
        form = {"action": action, "text": (posted.get("text") or "")[:MAX_TEXT + 1], "confirm": posted.get("confirm") or ""}
        if posted.refusal is not None:
            return ticket_view(request, cid, ticket_id, status=posted.refusal[0], error=posted.refusal[1], form=form)
        ticket = workflow.get_customers(cid, ticket_id)
        if ticket is None:
            return ticket_view(request, cid, ticket_id)
        if action == "chase":
            return chase_ticket(request, cid, ticket)
        if action not in workflow.allowed_actions(ticket, Actor.CUSTOMER):
            return ticket_view(request, cid, ticket_id, status=409, error=texts.action_not_now(ticket.status_label, action))
        if action == "withdraw":
            if not form["confirm"]:
                return ticket_view(request, cid, ticket_id, status=422, error=texts.WITHDRAW_CONFIRM_NEEDED, form=form)
            return changed(request, cid, ticket, action, lambda draft: workflow.withdraw(cid, ticket.ticket_id), form)
        text = form["text"].strip()
        error = "；".join(posted.rejected) or _statement_problem(action, text, bool(posted.files))
        if error:
            return ticket_view(request, cid, ticket_id, status=422, error=error, form=form)
        draft, names = new_draft(), []
        if posted.files:
            try:
                saved = uploads.commit_all(UploadGrant(cid, draft, None), posted.files, utcnow(),
                                           already=len(uploads.for_ticket(cid, ticket.ticket_id)))
            except UploadsRejected as rejected:
                return ticket_view(request, cid, ticket_id, status=422, error="；".join(rejected.messages), form=form)
            names = [f.filename for f in saved]
        if action == "supplement":
            evidence = _statement_evidence(text, names)
            return changed(request, cid, ticket, action,
                           lambda d: workflow.supplement(cid, ticket.ticket_id, evidence, uploads_from=d), form, draft)
        statement = text + (f"\n{texts.files_uploaded(names)}" if names else "")
        return changed(request, cid, ticket, action,
                       lambda d: workflow.appeal(cid, ticket.ticket_id, statement, uploads_from=d), form, draft)

    def changed(request: Request, cid: str, ticket: Ticket, action: str, change: Callable[[Optional[str]], Any],
                form: Dict[str, str], draft: Optional[str] = None) -> Page:
        """Run the change; on any refusal or failure the ticket is as it was, the files sent with
        it are forgotten and the page says why, keeping what was typed."""
        try:
            change(draft)
        except (IllegalTransition, InvalidRequest, NotFound, LedgerRefused) as refusal:
            forget(cid, draft)
            current = workflow.get_customers(cid, ticket.ticket_id)
            message = texts.TICKET_NOT_FOUND if isinstance(refusal, NotFound) else str(refusal)
            if isinstance(refusal, IllegalTransition) and current is not None and current.status != ticket.status:
                message = texts.action_not_now(current.status_label, action)
            return ticket_view(request, cid, ticket.ticket_id, status=409, error=message, form=form)
        except SQLAlchemyError:
            logger.exception("customer %s on a ticket failed", action, extra={"ticket_id": ticket.ticket_id})
            forget(cid, draft)
            return ticket_view(request, cid, ticket.ticket_id, status=503, error=texts.CHANGE_FAILED, form=form)
        return response.redirect(f"{ticket_path(ticket.ticket_id)}?done={action}", status=303)

    def forget(cid: str, draft: Optional[str]) -> None:
        if draft:
            uploads.discard_unattached(cid, draft)

    def chase_ticket(request: Request, cid: str, ticket: Ticket) -> Page:
        """催办: one escalation per missed date, with the new promised date (the chat's rule)."""
        if workflow.escalate_if_overdue(ticket) is None:
            return ticket_view(request, cid, ticket.ticket_id, status=409, error=texts.NOT_OVERDUE,
                               form={"action": "chase"})
        return response.redirect(f"{ticket_path(ticket.ticket_id)}?done=chase", status=303)

    # --- 申请退款 --------------------------------------------------------------------------------

    @app.get(APPLY)
    async def apply_page(request: Request) -> Page:
        """Step 1, the orders; with `order_id` (and a mail link's fields), step 2."""
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        cid = login.subject
        link = request.args.get("mail", "")[:64]
        mailed = mail_links.prefill(cid, link) if link else {}
        order_id = (request.args.get("order_id", "") or str(mailed.get("order_id") or ""))[:32]
        if not order_id:
            return orders_page(request, cid, mail=link if mailed else "")
        choice = selfservice.choice(cid, order_id)
        if choice is None or choice.blocked:
            if choice is not None and choice.ticket is not None and mailed:  # applied since the mail: that ticket
                return response.redirect(f"{ticket_path(choice.ticket.ticket_id)}?done=found", status=303)
            error = choice.blocked if choice is not None else form_texts.ORDER_NOT_FOUND
            return orders_page(request, cid, status=422, error=error, mail=link if mailed else "")
        application = _from_mail(Application(order_id=order_id, draft=new_draft()), mailed)
        kind, reason = request.args.get("kind", ""), request.args.get("reason", "")
        if kind in choice.kinds:  # a link may open the application for a downgrade or an SLA claim
            application = replace(application, kind=kind)
        if RefundReason.parse(reason) is not None:
            application = replace(application, reason=reason)
        return form_page(request, cid, application, Problems(choice=choice))

    def orders_page(request: Request, cid: str, status: int = 200, error: Optional[str] = None,
                    mail: str = "") -> Page:
        choices = selfservice.orders(cid)
        orders = [views.order_view(c) for c in sorted(choices, key=lambda c: c.blocked is not None)]
        return auth.page(request, "refund_orders.html", status=status, orders=orders, error=error, mail=mail,
                         section="apply", step=1)

    def form_page(request: Request, cid: str, application: Application, problems: Problems, status: int = 200,
                  notice: Optional[str] = None) -> Page:
        choice = problems.choice or selfservice.choice(cid, application.order_id)
        if choice is None:
            return orders_page(request, cid, status=422, error=problems.fields.get("order_id", form_texts.ORDER_NOT_FOUND))
        primary, duplicates = selfservice.duplicate_payments(cid, application.order_id)
        specs = selfservice.downgrade_options(cid, application.order_id) if "downgrade" in choice.kinds else []
        values = application.as_form()
        if not values["incident_instance"] and choice.order.instance_id:
            values["incident_instance"] = choice.order.instance_id
        example = typed_moment(utcnow() - timedelta(days=1))[:11] + "20:30"
        return auth.page(request, "refund_form.html", status=status, order=views.order_view(choice), values=values,
                         errors=problems.fields, kinds=[(k, *form_texts.KIND_CHOICES[k]) for k in choice.kinds],
                         reasons=[(r.value, REASON_LABELS[r], form_texts.REASON_HINTS[r]) for r in RefundReason],
                         specs=[views.spec_view(s) for s in specs], current_spec=choice.order.spec_name,
                         payments=views.payments_view(primary, duplicates), notice=notice, example_time=example,
                         drafted=uploads.for_draft(cid, application.draft) if application.draft else [],
                         section="apply", step=2, **upload_rules)

    @app.post(APPLY, stream=True)
    async def apply_form(request: Request) -> Page:
        """Step 2 sent: check it the chat's way, keep its files in the draft, then the quote."""
        return await application_step(request, applied)

    async def application_step(request: Request, handle: Callable[[Request, LoginClaim, Posted], Page]) -> Page:
        """A posted step of the application: the login, the form read as it arrives (a refused
        one shown again with why), then `handle`; received files it did not keep are dropped."""
        login = login_or_redirect(request)
        if not isinstance(login, LoginClaim):
            return login
        try:
            posted = await read_form(request, login.subject)
        except BodyRefused as refused:
            return body_refused(request, refused)
        try:
            if posted.refusal is not None:
                return form_page(request, login.subject, _application(posted), Problems(), *posted.refusal)
            return handle(request, login, posted)
        finally:
            posted.discard()

    def applied(request: Request, login: LoginClaim, posted: Posted) -> Page:
        cid = login.subject
        application = _application(posted)
        problems = selfservice.problems(cid, application)
        if posted.rejected:
            problems.fields["files"] = "；".join(posted.rejected)
        elif posted.files and problems.choice is not None and not problems.choice.blocked and application.accepts_uploads:
            try:
                uploads.commit_all(UploadGrant(cid, application.draft, None), posted.files, utcnow())
            except UploadsRejected as rejected:
                problems.fields["files"] = "；".join(rejected.messages)
        if problems or posted.get("step") == "edit":
            return form_page(request, cid, application, problems, status=422 if problems else 200)
        return quote_page(request, login, application, selfservice.offer(cid, application))

    def quote_page(request: Request, login: LoginClaim, application: Application, offer: Offer,
                   status: int = 200, notice: Optional[str] = None) -> Page:
        """Step 3: the itemised quote and, when it can be filed, the confirmation bound to it."""
        token = ""
        if offer.fileable and offer.quote is not None:
            token = issue_confirmation_token(settings.jwt_secret, Confirmation(
                login.subject, login.session_id, application.digest(), offer.fingerprint))
        choice = selfservice.choice(login.subject, application.order_id)
        return auth.page(request, "refund_quote.html", status=status, offer=offer, values=application.as_form(),
                         quote=views.quote_view(offer.quote.to_dict(), application.kind) if offer.quote else None,
                         order=views.order_view(choice) if choice else None, confirmation=token, notice=notice,
                         subject=views.application_subject(application),
                         drafted=uploads.for_draft(login.subject, application.draft) if application.draft else [],
                         section="apply", step=3)

    @app.post(f"{APPLY}/confirm", stream=True)
    async def confirm(request: Request) -> Page:
        """「确认提交」: file exactly the quote shown, once, or say why not and show it as it is now."""
        return await application_step(request, confirmed)

    def confirmed(request: Request, login: LoginClaim, posted: Posted) -> Page:
        cid = login.subject
        application = _application(posted)
        confirmation, why_not = _confirmation(posted.get("confirmation"), login, application)
        if confirmation is not None:  # sent again (a retry, the back button): the ticket it filed
            filed = selfservice.filed_since(cid, application.order_id, confirmation.issued_at)
            if filed is not None:
                return already_filed(request, login, application, filed)
        problems = selfservice.problems(cid, application)
        if problems:
            return form_page(request, cid, application, problems, status=422)
        if confirmation is None:
            return quote_page(request, login, application, selfservice.offer(cid, application), 409, why_not)
        try:
            filing = selfservice.file(cid, application, confirmation.fingerprint, confirmation.issued_at)
        except AlreadyFiled as filed:
            return already_filed(request, login, application, filed.ticket)
        except QuoteChanged:  # billing moved since it was shown: nothing filed, the quote as it is now
            return quote_page(request, login, application, selfservice.offer(cid, application), 409,
                              form_texts.QUOTE_CHANGED)
        except LedgerRefused as refusal:
            ticket = services.refunds.ticket(cid, refusal.reference) if refusal.reference else None
            return quote_page(request, login, application, Offer(application, blocked=str(refusal), ticket=ticket), 409)
        except NotFound:
            return form_page(request, cid, application, Problems({"order_id": form_texts.ORDER_NOT_FOUND}), 422)
        except SQLAlchemyError:
            logger.exception("filing on the website failed")
            return quote_page(request, login, application, selfservice.offer(cid, application), 503,
                              form_texts.NOT_FILED_BUSY)
        agent = follow_up(cid, application, filing.ticket, filing.agent_reason(
            services.handoffs.support.current().large_refund_above))
        return response.redirect(f"{ticket_path(filing.ticket.ticket_id)}?done=filed{'&agent=1' if agent else ''}",
                                 status=303)

    def already_filed(request: Request, login: LoginClaim, application: Application, ticket: Ticket) -> Page:
        """A confirmation files one ticket: while it is open, that ticket; once closed, nothing."""
        if ticket.is_open:
            return response.redirect(f"{ticket_path(ticket.ticket_id)}?done=found", status=303)
        return quote_page(request, login, application,
                          Offer(application, blocked=form_texts.filed_before(ticket), ticket=ticket), 409)

    def _confirmation(token: Optional[str], login: LoginClaim,
                      application: Application) -> Tuple[Optional[Confirmation], Optional[str]]:
        """The confirmation if it is this login's, for this very application; else why not."""
        try:
            confirmation = verify_confirmation_token(token, settings.jwt_secret)
        except TokenError:
            return None, form_texts.CONFIRMATION_INVALID
        if confirmation.customer_id != login.subject or confirmation.application != application.digest():
            return None, form_texts.CONFIRMATION_INVALID
        if confirmation.session_id != login.session_id:
            return None, form_texts.CONFIRMATION_OF_ANOTHER_LOGIN
        return confirmation, None

    def follow_up(cid: str, application: Application, ticket: Ticket, reason: Optional[str]) -> bool:
        """A ticket a person must follow (manual review, a large amount): the chat hands the
        conversation over; from the website it becomes a message in the agents' queue."""
        if reason is None:
            return False
        said = [application.description] if application.description else []
        summary = build_summary({"order_id": ticket.order_id, "refund_reason": ticket.reason}, said, None, ticket)
        services.handoffs.leave_message(f"web-refund-{ticket.ticket_id}", cid, HandoffKind.MESSAGE,
                                        form_texts.agent_follow_up(ticket), None, reason, ticket.ticket_id, summary)
        return True


def _application(posted: Posted) -> Application:
    """The application as the form sent it (a fresh draft key when it has none)."""
    application = Application.from_form(posted.get)
    return application if application.draft else replace(application, draft=new_draft())


async def _urlencoded(request: Request) -> Dict[str, str]:
    """A small form sent urlencoded to a streamed route (the first value of each field)."""
    await request.receive_body()
    text = (request.body or b"").decode("utf-8", "replace")
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=FORM_FIELDS)
    except ValueError as exc:  # more fields than any of our forms sends
        raise MalformedBody(str(exc)) from exc
    return {key: values[0] for key, values in parsed.items()}


def _statement_problem(action: str, text: str, has_files: bool) -> Optional[str]:
    if len(text) > MAX_TEXT:
        return texts.TEXT_TOO_LONG
    if action == "supplement":
        if not text and not has_files:
            return texts.SUPPLEMENT_EMPTY
        return texts.SUPPLEMENT_TOO_SHORT if text and len(text) < 2 else None
    return texts.APPEAL_TOO_SHORT if len(text) < 4 else None


def _statement_evidence(text: str, names: List[str]) -> List[Tuple[str, str]]:
    """A supplement as evidence rows: the text, each link in it, and the files' names."""
    rows = [("text", text)] if text else []
    rows += [("link", link) for link in evidence_links(text)]
    if names:
        rows.append(("text", texts.files_uploaded(names)))
    return rows


def _from_mail(application: Application, mailed: Dict[str, Any]) -> Application:
    """What a one-time mail link fills in (the customer still checks and confirms everything):
    the reason, time and words their e-mail gave, and the files it brought (its draft)."""
    if not mailed:
        return application
    moment = incident_moment(str(mailed.get("incident_time") or ""))
    reason = str(mailed.get("reason") or "")
    return replace(application, reason=reason if RefundReason.parse(reason) else "",
                   description=str(mailed.get("description") or "")[:MAX_TEXT],
                   incident_time=typed_moment(moment) if moment else "",
                   draft=str(mailed.get("conversation_id") or "") or application.draft)
