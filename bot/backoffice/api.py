"""Back-office HTTP API: reviewers act on tickets. Bearer-token authenticated, validated, atomic,
idempotent with an `Idempotency-Key` header.

    GET  /api/backoffice/tickets[?status=under_review]
    GET  /api/backoffice/tickets/<id>
    POST /api/backoffice/tickets/<id>/take | request-info | approve | reject | start-payout
                                        | mark-paid | close-appeal
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.backoffice.serialize import ticket_json
from bot.backoffice.staff import Staff, StaffDirectory
from bot.storage.schema import IdempotencyRow
from bot.tickets.lifecycle import IllegalTransition
from bot.tickets.models import STATUS_LABELS
from bot.tickets.workflow import InvalidRequest, TicketWorkflow

ACTIONS: Dict[str, Callable[[TicketWorkflow, str, str, Dict[str, Any]], Any]] = {
    "take": lambda wf, tid, who, body: wf.take(tid, who),
    "request-info": lambda wf, tid, who, body: wf.request_info(tid, who, _list(body, "missing"), _text(body, "note")),
    "approve": lambda wf, tid, who, body: wf.approve(tid, who, _amount(body), _text(body, "reason")),
    "reject": lambda wf, tid, who, body: wf.reject(tid, who, _text(body, "reason_code"), _text(body, "note")),
    "start-payout": lambda wf, tid, who, body: wf.start_payout(tid, who),
    "mark-paid": lambda wf, tid, who, body: wf.mark_paid(tid, who, _text(body, "payout_reference")),
    "close-appeal": lambda wf, tid, who, body: wf.close_appeal(tid, who, _text(body, "decision"), _amount(body),
                                                              _text(body, "note")),
}


def error(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status)


def _text(body: Dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(f"{key} must be a string")
    if len(value) > 2000:
        raise InvalidRequest(f"{key} is too long (max 2000 characters)")
    return value


def _list(body: Dict[str, Any], key: str) -> list:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{key} must be a list of strings")
    return value


def _amount(body: Dict[str, Any]) -> Optional[str]:
    value = body.get("amount")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest("amount must be a string such as \"1000.00\"")
    return value


def run_action(workflow: TicketWorkflow, ticket_id: str, action: str, staff: Staff,
               body: Dict[str, Any]) -> response.HTTPResponse:
    """Perform one reviewer action; errors become clear 4xx responses and change nothing."""
    if action not in ACTIONS:
        return error(404, f"unknown action: {action}")
    if not staff.has("reviewer"):
        return error(403, "reviewer role required")
    try:
        ticket = ACTIONS[action](workflow, ticket_id, staff.staff_id, body)
    except KeyError:
        return error(404, "ticket not found")
    except IllegalTransition as exc:
        return error(409, str(exc))
    except InvalidRequest as exc:
        return error(422, str(exc))
    return response.json(ticket_json(ticket))


def create_backoffice_api(sessions: sessionmaker, workflow: TicketWorkflow) -> Blueprint:
    api = Blueprint("backoffice_api", url_prefix="/api/backoffice")
    staff_directory = StaffDirectory(sessions)

    def authenticate(request: Request) -> Optional[Staff]:
        header = request.headers.get("authorization", "")
        return staff_directory.by_token(header[7:].strip()) if header.lower().startswith("bearer ") else None

    @api.get("/tickets")
    async def list_tickets(request: Request) -> response.HTTPResponse:
        staff = authenticate(request)
        if staff is None:
            return error(401, "missing or invalid bearer token")
        if not staff.has("reviewer"):  # agents see a customer's tickets only in their conversations
            return error(403, "reviewer role required")
        status = request.args.get("status")
        if status is not None and status not in STATUS_LABELS:
            return error(400, f"status must be one of {', '.join(STATUS_LABELS)}")
        return response.json({"tickets": [ticket_json(t) for t in workflow.store.search(status)]})

    @api.get("/tickets/<ticket_id>")
    async def get_ticket(request: Request, ticket_id: str) -> response.HTTPResponse:
        staff = authenticate(request)
        if staff is None:
            return error(401, "missing or invalid bearer token")
        if not staff.has("reviewer"):
            return error(403, "reviewer role required")
        ticket = workflow.store.get_for_staff(ticket_id)
        return response.json(ticket_json(ticket)) if ticket else error(404, "ticket not found")

    @api.post("/tickets/<ticket_id>/<action>")
    async def act(request: Request, ticket_id: str, action: str) -> response.HTTPResponse:
        staff = authenticate(request)
        if staff is None:
            return error(401, "missing or invalid bearer token")
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
            return error(400, "body must be JSON")
        if not isinstance(body, dict):
            return error(400, "body must be a JSON object")
        key = request.headers.get("idempotency-key")
        if key is None:
            return run_action(workflow, ticket_id, action, staff, body)
        if not 1 <= len(key) <= 128:
            return error(400, "Idempotency-Key must be 1-128 characters")
        fingerprint = hashlib.sha256(f"{request.path}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()
        with sessions() as session:
            seen = session.get(IdempotencyRow, (staff.staff_id, key))
            if seen is not None:
                if seen.request_hash != fingerprint:
                    return error(422, "Idempotency-Key was already used for a different request")
                return response.json(seen.body, status=seen.status, headers={"Idempotent-Replay": "true"})
        result = run_action(workflow, ticket_id, action, staff, body)
        try:
            with sessions.begin() as session:
                session.add(IdempotencyRow(actor=staff.staff_id, key=key, request_hash=fingerprint,
                                           status=result.status, body=json.loads(result.body or b"{}"),
                                           created_at=workflow.clock()))
        except IntegrityError:
            pass  # a concurrent twin stored it first; the transition itself ran at most once
        return result

    return api
