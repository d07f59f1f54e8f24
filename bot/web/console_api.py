"""The console's JSON API: the queue, one conversation with its customer and evidence, and what
agents and reviewers do (claim, reply, note, hand back, close, act on a ticket; take, call back,
answer and close a message or call-back left for them)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.api import run_action
from bot.backoffice.serialize import ticket_json
from bot.backoffice.staff import Staff
from bot.clock import format_customer_time
from bot.handoff import canned
from bot.handoff import replies as handoff_replies
from bot.handoff.service import WORK_ITEM_KINDS, Handoff, TransferRefused, attention_rank
from bot.handoff.summary import SLOT_LABELS
from bot.mail import agent_reply
from bot.mail.store import MailStore
from bot.tickets.models import Ticket
from bot.vocabulary import Actor, CallResult, HandoffKind, HandoffOutcome, HandoffStatus, Role
from bot.web.console_views import customer_panel, evidence_headers, handoff_json, queue_item, transcript, upload_json
from bot.web.rasa_client import RasaClient
from bot.web.review_pages import FORM_ACTIONS, MANAGER_ACTIONS, colleague_refusal, held_by_colleague, ticket_details
from bot.web.staff_auth import StaffAuth, json_error
from bot.web.ticket_news import Notify
from bot.wiring import Services

MAX_TEXT = 2000


def body_text(request: Request, key: str, limit: int = MAX_TEXT) -> str:
    """A trimmed string field of the JSON body ("" when missing or not a string)."""
    data = request.json if isinstance(request.json, dict) else {}
    value = data.get(key, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def add_api_routes(console: Blueprint, auth: StaffAuth, services: Services, rasa: RasaClient,
                   notify: Notify) -> None:
    handoffs, workflow, uploads = services.handoffs, services.workflow, services.uploads
    mail = MailStore(services.sessions, services.settings.mail.dir)

    @console.get("/api/queue")
    @auth.required(conversations=True)
    async def queue(request: Request, staff: Staff) -> response.HTTPResponse:
        return response.json(queue_payload(services, staff))

    @console.post("/api/handoffs/<handoff_id:int>/claim")
    @auth.required(role=Role.AGENT, csrf=True)
    async def claim(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        if not handoffs.claim(handoff_id, staff.staff_id):
            return json_error(409, labels.ALREADY_TAKEN)
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            return json_error(409, labels.CONVERSATION_ENDED)
        await rasa.push_bot_message(handoff.conversation_id,
                                    handoff_replies.agent_prefix(staff.name) + handoff_replies.AGENT_JOINED,
                                    metadata={"agent_id": staff.staff_id})
        handoffs.agent_replied(handoff_id)
        return response.json({"ok": True})

    @console.get("/api/handoffs/<handoff_id:int>")
    @auth.required(conversations=True)
    async def detail(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            return json_error(404, labels.NO_SUCH_CONVERSATION)
        return response.json(await conversation_detail(services, rasa, staff, handoff))

    @console.get("/uploads/<upload_id:int>")
    @auth.required(conversations=True)
    async def evidence_file(request: Request, staff: Staff, upload_id: int) -> response.HTTPResponse:
        """An evidence file, for staff only, as a download that the browser will not run
        (`?inline=1`: a picture, PDF or text log shown in the console's preview)."""
        upload = uploads.get(upload_id)
        if upload is None:
            return json_error(404, labels.FILE_GONE)
        path = uploads.path_for(upload.sha256)
        if not path.is_file():
            return json_error(410, labels.FILE_MISSING)
        inline = request.args.get("inline") == "1"
        mime = f"{upload.content_type}; charset=utf-8" if upload.content_type.startswith("text/") else upload.content_type
        return await response.file(path, mime_type=mime,
                                   headers=evidence_headers(upload.filename, upload.content_type, inline))

    @console.post("/api/handoffs/<handoff_id:int>/reply")
    @auth.required(role=Role.AGENT, csrf=True)
    async def reply(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        handoff = handoffs.get(handoff_id)
        text = body_text(request, "text")
        if handoff is None or handoff.status != HandoffStatus.ACTIVE or handoff.agent_id != staff.staff_id:
            return json_error(409, labels.CLAIM_FIRST)
        if not text:
            return json_error(422, labels.EMPTY_REPLY)
        if missing := canned.unfilled(text):
            return json_error(422, labels.unfilled_reply(missing))
        ok = await rasa.push_bot_message(handoff.conversation_id, handoff_replies.agent_prefix(staff.name) + text,
                                         metadata={"agent_id": staff.staff_id, "agent_name": staff.name})
        handoffs.agent_replied(handoff_id, staff.staff_id, text if ok else "")
        return response.json({"ok": ok}, status=200 if ok else 502)

    @console.post("/api/handoffs/<handoff_id:int>/typing")
    @auth.required(role=Role.AGENT, csrf=True)
    async def typing(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        """The agent is typing a reply: the customer's widget shows 「客服正在输入…」."""
        handoff = handoffs.get(handoff_id)
        if handoff is None or handoff.status != HandoffStatus.ACTIVE or handoff.agent_id != staff.staff_id:
            return json_error(409, labels.CLAIM_FIRST)
        return response.json({"ok": await rasa.agent_typing(handoff.conversation_id,
                                                          handoff_replies.agent_shown_name(staff.name))})

    @console.post("/api/handoffs/<handoff_id:int>/note")
    @auth.required(role=Role.AGENT, csrf=True)
    async def note(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        text = body_text(request, "text")
        if handoffs.get(handoff_id) is None:
            return json_error(404, labels.NO_SUCH_CONVERSATION)
        if not text:
            return json_error(422, labels.EMPTY_NOTE)
        handoffs.add_note(handoff_id, staff.staff_id, text)
        return response.json({"ok": True})

    @auth.required(role=Role.AGENT, csrf=True)
    async def finish(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        """Hand the customer back to the assistant, or close the conversation with a survey."""
        handed_back = request.path.endswith("/handback")
        handoff = handoffs.finish(handoff_id, staff.staff_id,
                                  HandoffOutcome.HANDED_BACK if handed_back else HandoffOutcome.CLOSED)
        if handoff is None:
            return json_error(409, labels.ONLY_OWN_CONVERSATIONS)
        if handed_back:
            # The assistant takes over, offering to resume a refund application the handoff interrupted.
            await rasa.resume_with_action(handoff.conversation_id, "action_offer_resume", handoff_replies.HANDED_BACK)
        else:
            await rasa.push_bot_message(handoff.conversation_id, handoff_replies.AGENT_CLOSED, resume=True)
            await rasa.push_bot_message(handoff.conversation_id, handoff_replies.SURVEY_QUESTION,
                                        buttons=handoff_replies.SURVEY_BUTTONS)
        handoffs.agent_replied(handoff_id)
        return response.json({"ok": True})

    for ending in ("handback", "close"):
        console.add_route(finish, f"/api/handoffs/<handoff_id:int>/{ending}", methods=["POST"], name=ending)

    @console.post("/api/handoffs/<handoff_id:int>/item/<step:take|call|reply|close>")
    @auth.required(role=Role.AGENT, csrf=True)
    async def work_item(request: Request, staff: Staff, handoff_id: int, step: str) -> response.HTTPResponse:
        """A message, call-back or e-mail left for the agents: take it, record a call, reply
        (into the customer's chat, where they see it when they come back; kept as a note), close."""
        if step == "take":
            if not handoffs.take_work_item(handoff_id, staff.staff_id):
                return json_error(409, labels.WORK_ITEM_TAKEN)
            return response.json({"ok": True})
        item = handoffs.get(handoff_id)
        if item is None or item.kind not in WORK_ITEM_KINDS or item.status != HandoffStatus.MESSAGE \
                or item.agent_id != staff.staff_id:
            return json_error(409, labels.NOT_YOUR_WORK_ITEM)
        if step == "call":
            result = CallResult.parse(body_text(request, "result"))
            if result is None:
                return json_error(422, labels.UNKNOWN_CALL_RESULT)
            handoffs.record_call(handoff_id, staff.staff_id, result, body_text(request, "note"))
        elif step == "reply":
            text = body_text(request, "text")
            if not text:
                return json_error(422, labels.EMPTY_REPLY)
            if missing := canned.unfilled(text):
                return json_error(422, labels.unfilled_reply(missing))
            await rasa.push_bot_message(item.conversation_id, handoff_replies.agent_prefix(staff.name) + text,
                                        metadata={"agent_id": staff.staff_id, "agent_name": staff.name})
            to = agent_reply.recipient(item, mail, services.customers)
            if to is not None:
                agent_reply.queue_reply(mail, services.settings.mail.address, to, item,
                                        handoff_replies.agent_shown_name(staff.name), text)
            handoffs.add_note(handoff_id, staff.staff_id, labels.replied_note(text, to.shown if to else None))
            return response.json({"ok": True, "emailed_to": to.shown if to else None})
        elif handoffs.close_work_item(handoff_id, staff.staff_id) is None:
            return json_error(409, labels.NOT_YOUR_WORK_ITEM)
        return response.json({"ok": True})

    @console.post("/api/handoffs/<handoff_id:int>/<move:transfer|takeover>")
    @auth.required(csrf=True, conversations=True)
    async def transfer(request: Request, staff: Staff, handoff_id: int, move: str) -> response.HTTPResponse:
        """Transfer a live conversation to a named colleague with a note (its agent, or a 主管
        for any live one), or take over a colleague's who is no longer logged in; the customer
        is told who serves them now."""
        try:
            if move == "takeover":
                if not staff.has(Role.AGENT):
                    return json_error(403, labels.role_required(Role.AGENT))
                handoff = handoffs.take_over(handoff_id, staff.staff_id)
            else:
                handoff = handoffs.transfer(handoff_id, staff.staff_id, body_text(request, "agent_id", 32),
                                            body_text(request, "note", 500), supervisor=staff.has(Role.MANAGER))
        except TransferRefused as refused:
            return json_error(409, str(refused))
        agent = services.staff.get(handoff.agent_id or "")
        await rasa.push_bot_message(handoff.conversation_id,
                                    handoff_replies.transferred(agent.name if agent else ""), resume=False)
        handoffs.agent_replied(handoff_id)
        return response.json({"ok": True, "agent_id": handoff.agent_id})

    @console.post("/api/handoffs/<handoff_id:int>/ticket")
    @auth.required(csrf=True, conversations=True)
    async def link_ticket(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        """Change which of the customer's tickets the conversation is about."""
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            return json_error(404, labels.NO_SUCH_CONVERSATION)
        ticket_id = body_text(request, "ticket_id", 20).upper()
        ticket = workflow.get_customers(handoff.customer_id, ticket_id) if handoff.customer_id and ticket_id else None
        if ticket is None:
            return json_error(422, labels.NOT_THIS_CUSTOMERS_TICKET)
        handoffs.link_ticket(handoff_id, ticket.ticket_id)
        return response.json({"ok": True, "ticket_id": ticket.ticket_id})

    @console.post("/api/tickets/<ticket_id>/<action>")
    @auth.required(csrf=True)
    async def ticket_action(request: Request, staff: Staff, ticket_id: str, action: str) -> response.HTTPResponse:
        body = request.json if isinstance(request.json, dict) else {}
        ticket = workflow.get(ticket_id)
        if ticket is not None and held_by_colleague(ticket, staff) and action not in MANAGER_ACTIONS:
            return json_error(409, colleague_refusal(ticket, {s.staff_id: s.name for s in services.staff.all()}))
        result = run_action(workflow, ticket_id, action, staff, body)
        if result.status == 200:
            await notify(ticket_id, action)
        return result


def queue_payload(services: Services, staff: Optional[Staff] = None) -> Dict[str, Any]:
    """The queue as the console shows it: waiting and active conversations and messages left,
    open complaints and long waits first; for `staff`, the unread messages in the chats they hold."""
    handoffs = services.handoffs
    rows, now, long_wait = handoffs.queue(), handoffs.clock(), handoffs.rules.long_wait
    rows.sort(key=lambda h: attention_rank(h, now, long_wait))
    names = services.customers.names(h.customer_id for h in rows if h.customer_id)
    people = services.staff.names()
    unread = handoffs.unread(staff.staff_id) if staff else {}
    return {"handoffs": [{**queue_item(h, names.get(h.customer_id or ""), now, people, long_wait),
                          "unread": unread.get(h.id, 0)} for h in rows],
            "me": staff.staff_id if staff else None, "unread_total": sum(unread.values())}


async def assign_waiting(services: Services, rasa: RasaClient) -> None:
    """Auto-assignment's round: each waiting customer given to an agent with room is told who."""
    for handoff in services.handoffs.assign_waiting():
        agent = services.staff.get(handoff.agent_id or "")
        await rasa.push_bot_message(handoff.conversation_id, handoff_replies.assigned(agent.name if agent else ""),
                                    metadata={"agent_id": handoff.agent_id})
        services.handoffs.agent_replied(handoff.id)


async def conversation_detail(services: Services, rasa: RasaClient, staff: Staff, handoff: Handoff) -> Dict[str, Any]:
    """Everything the conversation page shows: the transcript, the customer, the linked ticket
    with what this staff member may do to it, and the evidence."""
    workflow = services.workflow
    if handoff.agent_id == staff.staff_id:
        services.handoffs.mark_read(handoff.id, staff.staff_id)  # the agent now sees every message
    tracker = await rasa.tracker(handoff.conversation_id)
    ticket = workflow.get(handoff.ticket_id) if handoff.ticket_id else None
    people = services.staff.names()
    customer = _customer(services, handoff)
    return {
        "handoff": handoff_json(handoff, people), "transcript": transcript(tracker.get("events", []), people),
        "customer": customer,
        "variables": canned.variables(customer.get("known_name"), ticket.order_id if ticket else
                                      (handoff.summary.get("collected") or {}).get(SLOT_LABELS["order_id"]),
                                      handoff.ticket_id),
        "ticket": ticket_json(ticket) if ticket else None,
        "ticket_view": _ticket_panel(services, ticket) if ticket else None,
        "can_review": staff.has(Role.REVIEWER), "mine": handoff.agent_id == staff.staff_id,
        "ticket_actions": sorted({FORM_ACTIONS[a] for a in workflow.allowed_actions(ticket, Actor.REVIEWER)})
        if ticket and staff.has(Role.REVIEWER) and not held_by_colleague(ticket, staff) else [],
        "ticket_held_by": colleague_refusal(ticket, people)
        if ticket and held_by_colleague(ticket, staff) else "",
        "work_item": _work_item(services, handoff, people),
        "transfer": _transfer_choices(services, staff, handoff, people),
        "uploads": [upload_json(u) for u in services.uploads.for_conversation_or_ticket(handoff.conversation_id,
                                                                                         handoff.ticket_id)],
    }


def _transfer_choices(services: Services, staff: Staff, handoff: Handoff,
                      people: Dict[str, str]) -> Dict[str, Any]:
    """The agents logged in this staff member may hand the conversation to (they hold it, or
    are a 主管), and whether they may take it over (its agent is no longer logged in)."""
    live = handoff.status in (HandoffStatus.WAITING, HandoffStatus.ACTIVE) and handoff.kind == HandoffKind.LIVE
    may_transfer = live and (staff.has(Role.MANAGER) or (handoff.status == HandoffStatus.ACTIVE
                                                          and handoff.agent_id == staff.staff_id))
    online = services.handoffs.online_agent_ids() if live else []
    agents = [{"id": staff_id, "name": labels.staff_name(people, staff_id)}
              for staff_id in online if may_transfer and staff_id != handoff.agent_id]
    return {"agents": agents, "may_transfer": may_transfer,
            "may_take_over": live and handoff.status == HandoffStatus.ACTIVE and staff.has(Role.AGENT)
            and handoff.agent_id != staff.staff_id and handoff.agent_id not in online}


def _ticket_panel(services: Services, ticket: Ticket) -> Dict[str, Any]:
    """What the agent's ticket panel shows: reason, the customer's description, the quote's
    lines and the evidence, in Chinese, Beijing time and amounts with separators."""
    view = ticket_details(ticket)
    return {key: view[key] for key in ("status", "reason", "kind", "rule", "due", "lines", "quoted", "final",
                                       "details", "evidence", "terms")}


def _customer(services: Services, handoff: Handoff) -> Dict[str, Any]:
    cid = handoff.customer_id
    if not cid:
        return customer_panel(handoff, None, [], [], [])
    customer = services.customers.get(cid)
    return customer_panel(handoff, customer.name if customer else None, services.refunds.orders(cid),
                          services.workflow.for_customer(cid), services.handoffs.for_customer(cid),
                          services.workflow.clock())


def _work_item(services: Services, handoff: Handoff, people: Dict[str, str]) -> Optional[Dict[str, Any]]:
    """A message, call-back or e-mail as a work item: its due time, who holds it, what a call can come to."""
    if handoff.kind not in WORK_ITEM_KINDS:
        return None
    due = services.handoffs.due(handoff)
    return {"due": format_customer_time(due) if due else "—",
            "overdue": bool(due and handoff.status == HandoffStatus.MESSAGE and services.handoffs.clock() > due),
            "open": handoff.status == HandoffStatus.MESSAGE, "held_by": labels.staff_name(people, handoff.agent_id)
            if handoff.agent_id else "", "callback": handoff.kind == HandoffKind.CALLBACK,
            "call_results": [[code, label] for code, label in labels.CALL_RESULT_LABELS.items()]}
