"""Evidence uploads: the page behind a signed upload link, and the streamed upload itself."""
from __future__ import annotations

import logging
from typing import Any, List, Union

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request

from bot.clock import utcnow
from bot.security.identity import IDENTITY_KEY, sign_identity
from bot.security.ratelimit import rate_limiter
from bot.security.tokens import TokenError, UploadGrant, verify_upload_token
from bot.uploads import EVIDENCE_UPLOADED_INTENT, UPLOAD_CHANNEL
from bot.uploads.store import ACCEPTED_EXTENSIONS, ALLOWED_DESCRIPTION, StoredUpload, UploadRejected, size_label
from bot.vocabulary import FINAL_STATES
from bot.web import texts
from bot.web.customer_auth import CustomerAuth
from bot.web.rasa_client import RasaClient
from bot.web.upload_body import BodyTooLarge, MalformedBody, body_chunks, multipart_boundary, receive_files
from bot.wiring import Services

logger = logging.getLogger(__name__)
UPLOAD_TEMPLATE = "upload.html"


def add_upload_routes(app: Sanic, auth: CustomerAuth, services: Services, rasa: RasaClient) -> None:
    settings, uploads = services.settings, services.uploads
    body_limit = settings.upload_max_bytes * settings.upload_max_files + 1024 * 1024
    max_size = size_label(settings.upload_max_bytes)
    limit = rate_limiter("upload", settings.uploads_per_10_minutes, 600, settings.redis_url)

    def upload_grant(request: Request, token: str) -> Union[UploadGrant, response.HTTPResponse]:
        """The grant of an upload link that belongs to the logged-in customer, else the page
        (or the login redirect) that says why not."""
        customer = auth.current_customer(request)
        if customer is None:
            return response.redirect(f"/login?next=/upload/{token}")
        try:
            grant = verify_upload_token(token, settings.jwt_secret)
        except TokenError:
            return auth.page(request, UPLOAD_TEMPLATE, status=403, error=texts.UPLOAD_LINK_INVALID)
        if grant.customer_id != customer.customer_id:
            return auth.page(request, UPLOAD_TEMPLATE, status=403, error=texts.UPLOAD_LINK_NOT_YOURS)
        grant = uploads.bound(grant)
        if grant.ticket_id:
            ticket = services.workflow.get_customers(grant.customer_id, grant.ticket_id)
            if ticket is None or ticket.status in FINAL_STATES:
                return auth.page(request, UPLOAD_TEMPLATE, status=403, error=texts.UPLOAD_TICKET_CLOSED)
        return grant

    def upload_page(request: Request, grant: UploadGrant, status: int = 200, **context: Any) -> response.HTTPResponse:
        return auth.page(request, UPLOAD_TEMPLATE, status=status, grant=grant, allowed=ALLOWED_DESCRIPTION,
                           accept=ACCEPTED_EXTENSIONS, max_size=max_size, max_files=settings.upload_max_files,
                           existing=_existing(grant), **context)

    def _existing(grant: UploadGrant) -> List[StoredUpload]:
        """The files already sent through this link's application (its ticket's, once filed)."""
        if grant.ticket_id:
            return uploads.for_ticket(grant.customer_id, grant.ticket_id)
        return uploads.for_conversation(grant.customer_id, grant.conversation_id)

    @app.get("/upload/<token>")
    async def upload_form(request: Request, token: str) -> response.HTTPResponse:
        grant = upload_grant(request, token)
        return grant if isinstance(grant, response.HTTPResponse) else upload_page(request, grant)

    @app.post("/upload/<token>", stream=True)
    async def upload(request: Request, token: str) -> response.HTTPResponse:
        # A streamed route: the login, the link, the declared size, the CSRF token and the rate
        # limit are checked before any file is read (bot/web/upload_body.py), and files go to
        # disk as they arrive.
        grant = upload_grant(request, token)
        if isinstance(grant, response.HTTPResponse):
            return grant
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > body_limit):
            return upload_page(request, grant, status=413, error=texts.upload_too_large(settings.upload_max_files, max_size))
        boundary = multipart_boundary(request.headers.get("content-type"))
        if boundary is None:
            return upload_page(request, grant, status=400, error=texts.UPLOAD_NOTHING_CHOSEN)
        admitted: List[bool] = []

        def admit(sent: str) -> None:
            """The page's CSRF token, then the customer's upload allowance; raises to refuse."""
            if not auth.csrf_ok(request, sent):
                raise _Refused(upload_page(request, grant, status=400, error=texts.UPLOAD_PAGE_EXPIRED))
            if not limit.allow(f"customer:{grant.customer_id}"):
                raise _Refused(upload_page(request, grant, status=429, error=texts.UPLOAD_TOO_OFTEN))
            admitted.append(True)

        try:
            header_token = request.headers.get("x-csrf-token")
            if header_token is not None:
                admit(header_token)
            if request.stream is not None:  # always set on a streamed route
                request.stream.request_max_size = body_limit  # a body without a declared length is cut off too
            files, rejected = await receive_files(
                body_chunks(request), boundary, uploads.receive, settings.upload_max_files,
                texts.upload_too_many(settings.upload_max_files), None if admitted else admit)
        except _Refused as refused:
            return refused.page
        except (PayloadTooLarge, BodyTooLarge):
            return upload_page(request, grant, status=413, error=texts.upload_too_large(settings.upload_max_files, max_size))
        except MalformedBody as exc:
            logger.info("upload body refused: %s", exc)
            return upload_page(request, grant, status=400, error=texts.UPLOAD_MALFORMED)
        if not admitted:  # a body without the page's token (and without files)
            return upload_page(request, grant, status=400, error=texts.UPLOAD_PAGE_EXPIRED)
        if not files and not rejected:
            return upload_page(request, grant, status=400, error=texts.UPLOAD_NOTHING_CHOSEN)
        accepted = []
        for incoming in files:
            try:
                accepted.append(uploads.commit(grant, incoming, utcnow()))
            except UploadRejected as exc:
                rejected.append(exc.message)
        logger.info("upload: %d accepted, %d rejected", len(accepted), len(rejected),
                    extra={"conversation_id": grant.conversation_id, "customer_id": grant.customer_id,
                           "ticket_id": grant.ticket_id})
        if accepted:
            await rasa.push_bot_message(grant.conversation_id, texts.upload_received([f.filename for f in accepted]))
            await continue_refund_form(rasa, grant, settings.jwt_secret)
        return upload_page(request, grant, status=200 if accepted else 400, accepted=accepted, rejected=rejected)


async def continue_refund_form(rasa: RasaClient, grant: UploadGrant, secret: str) -> bool:
    """When the grant's conversation has its refund form waiting for the evidence, take the
    uploads as the answer: the form goes on (the quote) in the open chat. The conversation and
    the customer come from the grant, never from the client. Nothing happens otherwise (a
    ticket's page, another question pending, a paused chat, Rasa out of reach); True when the
    form was moved on."""
    if grant.ticket_id:
        return False
    tracker = await rasa.tracker(grant.conversation_id)
    loop = (tracker.get("active_loop") or {}).get("name")
    requested = (tracker.get("slots") or {}).get("requested_slot")
    if tracker.get("paused") or loop != "refund_form" or requested != "evidence_links":
        return False
    claim = sign_identity(secret, grant.conversation_id, grant.customer_id, UPLOAD_CHANNEL)
    moved = await rasa.trigger_intent(grant.conversation_id, EVIDENCE_UPLOADED_INTENT,
                                      [{"entity": IDENTITY_KEY, "value": claim[IDENTITY_KEY]}])
    if not moved:
        logger.warning("the refund form did not go on after an upload",
                       extra={"conversation_id": grant.conversation_id})
    return moved


class _Refused(Exception):
    """Stops reading an upload; `page` says why."""

    def __init__(self, page: response.HTTPResponse) -> None:
        super().__init__()
        self.page = page
