"""Back-office HTTP API: reviewers act on tickets. Bearer-token authenticated, validated, atomic,
idempotent with an `Idempotency-Key` header.

    GET  /api/backoffice/tickets[?status=under_review]
    GET  /api/backoffice/tickets/<id>
    POST /api/backoffice/tickets/<id>/take | request-info | resume-review | approve | reject
                                        | start-payout | mark-paid | close-appeal
                                        | manager-approve | manager-return (manager role)
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from typing import Any, Awaitable, Callable, Coroutine, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.idempotency import IdempotencyKeys, Recorded
from bot.backoffice.serialize import ticket_json
from bot.backoffice.staff import Staff
from bot.errors import NotFound
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.workflow import AMOUNT_AS_TEXT, InvalidRequest, TicketWorkflow
from bot.vocabulary import Role, TicketStatus
from bot.wiring import Services

ACTIONS: Dict[str, Callable[[TicketWorkflow, str, str, Dict[str, Any]], Any]] = {
    "take": lambda wf, tid, who, body: wf.take(tid, who),
    "request-info": lambda wf, tid, who, body: wf.request_info(tid, who, _list(body, "missing"), _text(body, "note")),
    "approve": lambda wf, tid, who, body: wf.approve(tid, who, _amount(body), _text(body, "reason")),
    "reject": lambda wf, tid, who, body: wf.reject(tid, who, _text(body, "reason_code"), _text(body, "note")),
    "resume-review": lambda wf, tid, who, body: wf.resume_review(tid, who, _text(body, "note")),
    "start-payout": lambda wf, tid, who, body: wf.start_payout(tid, who),
    "mark-paid": lambda wf, tid, who, body: wf.mark_paid(tid, who, _text(body, "payout_reference")),
    "close-appeal": lambda wf, tid, who, body: wf.close_appeal(tid, who, _text(body, "decision"), _amount(body),
                                                              _text(body, "note")),
    "manager-approve": lambda wf, tid, who, body: wf.manager_approve(tid, who, _text(body, "note")),
    "manager-return": lambda wf, tid, who, body: wf.manager_return(tid, who, _text(body, "note")),
}
# Who may take each action (the reviewer role otherwise): a manager approves above the limit.
ACTION_ROLES: Dict[str, Role] = {"manager-approve": Role.MANAGER, "manager-return": Role.MANAGER}


def role_for(action: str) -> Role:
    """The role an action needs."""
    return ACTION_ROLES.get(action, Role.REVIEWER)


# A copy of a request still being answered is waited for up to 20 s, then told to retry.
REPLAY_WAIT_STEPS = 400
REPLAY_WAIT_SECONDS = 0.05


def error(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status)


def _text(body: Dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(f"{key} 应为文字。")
    if len(value) > 2000:
        raise InvalidRequest(f"{key} 过长（最多 2000 字）。")
    return value


def _list(body: Dict[str, Any], key: str) -> list:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{key} 应为文字列表。")
    return value


def _amount(body: Dict[str, Any]) -> Optional[str]:
    value = body.get("amount")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(AMOUNT_AS_TEXT)
    return value


def run_action(workflow: TicketWorkflow, ticket_id: str, action: str, staff: Staff,
               body: Dict[str, Any]) -> response.HTTPResponse:
    """Perform one reviewer action; errors become clear 4xx responses (in Chinese, the console
    shows them) and change nothing."""
    if action not in ACTIONS:
        return error(404, f"没有「{action[:40]}」这个操作。")
    if not staff.has(role_for(action)):
        return error(403, labels.role_required(role_for(action)))
    try:
        ticket = ACTIONS[action](workflow, ticket_id, staff.staff_id, body)
    except NotFound:
        return error(404, labels.TICKET_NOT_FOUND)
    except IllegalTransition as exc:
        return error(409, str(exc))
    except InvalidRequest as exc:
        return error(422, str(exc))
    return response.json(ticket_json(ticket))


Handler = Callable[..., Coroutine[Any, Any, response.HTTPResponse]]


def create_backoffice_api(services: Services,
                          notify: Optional[Callable[[str, str], Awaitable[Any]]] = None) -> Blueprint:
    """The reviewers' API; `notify(ticket_id, action)` tells the customer after a step succeeded."""
    api = Blueprint("backoffice_api", url_prefix="/api/backoffice")
    workflow = services.workflow
    keys = IdempotencyKeys(services.sessions, workflow.clock)

    def bearer_required(role: Optional[Role] = None) -> Callable[[Handler], Handler]:
        """Let the route run only for the holder of a staff API token (with `role`); the
        handler gets the staff member after the request."""
        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def guarded(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
                header = request.headers.get("authorization", "")
                token = header[7:].strip() if header.lower().startswith("bearer ") else None
                staff = services.staff.by_token(token)
                if staff is None:
                    return error(401, "missing or invalid bearer token")
                if role is not None and not staff.has(role):
                    return error(403, labels.role_required(role))
                return await handler(request, staff, *args, **kwargs)
            return guarded
        return decorate

    @api.get("/tickets")
    @bearer_required(Role.REVIEWER)  # agents see a customer's tickets only in their conversations
    async def list_tickets(request: Request, staff: Staff) -> response.HTTPResponse:
        status = request.args.get("status")
        if status is not None and TicketStatus.parse(status) is None:
            return error(400, f"status must be one of {', '.join(sorted(TicketStatus.values()))}")
        return response.json({"tickets": [ticket_json(t) for t in workflow.search(status)]})

    @api.get("/tickets/<ticket_id>")
    @bearer_required(Role.REVIEWER)
    async def get_ticket(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
        ticket = workflow.get(ticket_id)
        return response.json(ticket_json(ticket)) if ticket else error(404, labels.TICKET_NOT_FOUND)

    @api.post("/tickets/<ticket_id>/<action>")
    @bearer_required()
    async def act(request: Request, staff: Staff, ticket_id: str, action: str) -> response.HTTPResponse:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
            return error(400, "body must be JSON")
        if not isinstance(body, dict):
            return error(400, "body must be a JSON object")
        key = request.headers.get("idempotency-key")
        if key is None:
            return await _told(run_action(workflow, ticket_id, action, staff, body), ticket_id, action)
        if not 1 <= len(key) <= 128:
            return error(400, "Idempotency-Key must be 1-128 characters")
        fingerprint = hashlib.sha256(f"{request.path}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()
        seen = keys.claim(staff.staff_id, key, fingerprint)
        if seen is None:
            try:
                result = run_action(workflow, ticket_id, action, staff, body)
            except BaseException:
                keys.release(staff.staff_id, key)
                raise
            keys.finish(staff.staff_id, key, result.status, json.loads(result.body or b"{}"))
            return await _told(result, ticket_id, action)
        return await _replay(staff.staff_id, key, fingerprint, seen)

    async def _told(result: response.HTTPResponse, ticket_id: str, action: str) -> response.HTTPResponse:
        """The answer, once the customer was told about a step that succeeded (replays are not
        told again)."""
        if notify is not None and result.status == 200:
            await notify(ticket_id, action)
        return result

    async def _replay(actor: str, key: str, fingerprint: str, seen: Recorded) -> response.HTTPResponse:
        """The first answer to this key, once its claimer has it (a copy that arrived while the
        first was still running waits for it)."""
        if seen.request_hash != fingerprint:
            return error(422, "Idempotency-Key was already used for a different request")
        for _ in range(REPLAY_WAIT_STEPS):
            if seen.done:
                return response.json(seen.body, status=seen.status, headers={"Idempotent-Replay": "true"})
            await asyncio.sleep(REPLAY_WAIT_SECONDS)
            seen = keys.recorded(actor, key) or seen
        return error(409, "同一请求正在处理中，请稍后用同一个 Idempotency-Key 重试。")

    return api
