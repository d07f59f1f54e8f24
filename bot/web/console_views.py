"""What the console shows, as JSON: queue rows, the transcript, the customer panel, and the
headers evidence files are served with. Pure shaping: no routes, no sessions."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from bot.backoffice import labels
from bot.billing.models import Order
from bot.clock import format_customer_time
from bot.handoff.service import COMPLAINT_REASONS, Handoff, SearchHit
from bot.refunds.application import order_state
from bot.tickets.models import Ticket
from bot.uploads.store import EXTENSIONS, StoredUpload
from bot.vocabulary import HandoffStatus
from bot.web.cookies import SECURITY_HEADERS

OPENING_PAYLOAD = "/greet"  # the widget's silent first message
TRANSCRIPT_LINES = 200
PREVIEW_CHARS = 60
SNIPPET_CONTEXT = 24  # characters shown either side of the words found
HIT_PLACES = {"customer": "客户说", "agent": "{who}回复", "note": "{who}的内部备注"}  # {who}: 「客服 小王（a1）」


def handoff_json(h: Handoff, people: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """A handoff as the console shows it; `people` (staff ids to names) names the agent and note
    authors as staff read them, 「王芳（a2）」."""
    people = people or {}
    return {"id": h.id, "conversation_id": h.conversation_id, "customer_id": h.customer_id, "reason": h.reason,
            "ticket_id": h.ticket_id, "summary": h.summary, "status": h.status,
            "status_label": labels.HANDOFF_STATUS_LABELS.get(h.status, h.status), "agent_id": h.agent_id,
            "agent_name": labels.staff_name(people, h.agent_id) if h.agent_id else None,
            "outcome_label": labels.HANDOFF_OUTCOME_LABELS.get(h.outcome or "", ""),
            "reason_label": labels.HANDOFF_REASON_LABELS.get(h.reason, h.reason),
            "kind": h.kind, "kind_label": labels.HANDOFF_KIND_LABELS.get(h.kind, h.kind), "message": h.message,
            "callback_phone": h.callback_phone, "created_at": h.created_at.isoformat(),
            "created_local": format_customer_time(h.created_at), "version": h.version,
            "notes": [{**n, "agent_name": labels.staff_name(people, n.get("agent_id")),
                       "at_local": format_customer_time(datetime.fromisoformat(n["at"])) if n.get("at") else ""}
                      for n in h.notes],
            "last_customer_local": format_customer_time(h.last_customer_at) if h.last_customer_at else None}


def queue_item(h: Handoff, customer_name: Optional[str], now: datetime,
               people: Optional[Dict[str, str]] = None, long_wait: Optional[timedelta] = None) -> Dict[str, Any]:
    """A queue row: the customer's newest words as its preview, how long they have waited, and
    its marks (a complaint; waiting longer than `long_wait`)."""
    waited = now - h.created_at
    long = long_wait is not None and h.status == HandoffStatus.WAITING and waited >= long_wait
    return {**handoff_json(h, people), "customer_name": customer_name or labels.GUEST_NAME,
            "waiting_seconds": int(waited.total_seconds()), "preview": _preview(h),
            "complaint": h.reason in COMPLAINT_REASONS,
            "marks": ([{"kind": "complaint", "text": labels.COMPLAINT_TAG}] if h.reason in COMPLAINT_REASONS else [])
            + ([{"kind": "longwait", "text": labels.LONG_WAIT_TAG}] if long else [])}


def _preview(h: Handoff) -> str:
    said = (h.summary or {}).get("customer_said") or []
    latest = h.last_customer_text or (str(said[-1]) if said else h.message or "")
    return labels.CLICKED_BUTTON if latest.startswith("/") else latest[:PREVIEW_CHARS]


def finished_row(h: Handoff, customer_name: Optional[str], people: Optional[Dict[str, str]] = None,
                 hit: Optional[SearchHit] = None, words: str = "") -> Dict[str, Any]:
    """A conversation that ended, for the console's history list; `hit`: where `words` were found."""
    return {"id": h.id, "customer_name": customer_name or labels.GUEST_NAME, "hit": search_hit(hit, words, people),
            "reason": labels.HANDOFF_REASON_LABELS.get(h.reason, h.reason),
            "outcome": labels.HANDOFF_OUTCOME_LABELS.get(h.outcome or "", labels.HANDOFF_STATUS_LABELS.get(h.status, "")),
            "agent_id": labels.staff_name(people or {}, h.agent_id),
            "at": format_customer_time(h.created_at), "ticket_id": h.ticket_id,
            "preview": _preview(h)}


def search_hit(hit: Optional[SearchHit], words: str, people: Optional[Dict[str, str]] = None) -> Optional[Dict[str, str]]:
    """Where the words were found, as the page shows it: the place (「客服 小王（a1）回复」) and the
    line cut around the words, split so the page can mark them (it escapes each part)."""
    if hit is None or not words:
        return None
    who = labels.staff_name(people or {}, hit.author_id) if hit.author_id else "客服"
    place = HIT_PLACES.get(hit.where, "").format(who=who)
    text = " ".join(hit.text.split())
    at = text.lower().find(words.lower())
    if at < 0:
        return {"place": place, "before": text[:SNIPPET_CONTEXT * 2], "match": "", "after": ""}
    start, end = max(0, at - SNIPPET_CONTEXT), at + len(words)
    return {"place": place, "before": ("…" if start else "") + text[start:at], "match": text[at:end],
            "after": text[end:end + SNIPPET_CONTEXT] + ("…" if end + SNIPPET_CONTEXT < len(text) else "")}


def transcript(events: List[Dict[str, Any]], people: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
    """Customer, assistant and agent messages told apart (an agent named as staff read them,
    with `people`), a button click shown as the button's label, each with its Beijing time
    (texts are escaped by the page)."""
    lines: List[Dict[str, Any]] = []
    buttons: Dict[str, str] = {}  # payload -> title of the buttons last offered
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind == "bot" and (event.get("data") or {}).get("buttons"):
            buttons = {str(b.get("payload")): str(b.get("title")) for b in event["data"]["buttons"]
                       if isinstance(b, dict)}
        if not text or kind not in ("user", "bot"):
            continue
        if kind == "user":
            if text == OPENING_PAYLOAD or (event.get("metadata") or {}).get("is_external"):
                continue  # the widget's opening; a turn the website triggered (the upload's own line shows it)
            clicked = text.startswith("/")
            shown = (buttons.get(text) or labels.CLICKED_BUTTON) if clicked else text
            lines.append(_line("customer", shown, event, clicked))
        else:
            agent = (event.get("metadata") or {}).get("agent_id")
            line = _line("agent" if agent else "assistant", text, event, False)
            if agent:
                line["name"] = labels.staff_name(people or {}, str(agent))
            lines.append(line)
    return lines[-TRANSCRIPT_LINES:]


def _line(who: str, text: str, event: Dict[str, Any], clicked: bool) -> Dict[str, Any]:
    stamp = event.get("timestamp")
    local = format_customer_time(datetime.fromtimestamp(stamp).astimezone()) if isinstance(stamp, (int, float)) else ""
    return {"who": who, "text": text, "at": stamp, "at_local": local, "clicked": clicked}


def customer_panel(h: Handoff, name: Optional[str], orders: List[Order], tickets: List[Ticket],
                   history: List[Handoff], now: Optional[datetime] = None) -> Dict[str, Any]:
    """The customer's name, orders (newest first, with their dates and state), tickets and
    earlier handoffs for the agent's side panel."""
    if not h.customer_id:
        return {"name": labels.GUEST_PANEL_NAME, "orders": [], "tickets": [], "handoffs": []}
    moment = now or h.created_at
    return {
        "name": name or h.customer_id, "customer_id": h.customer_id, "known_name": name,
        "orders": [{"order_id": o.order_id, "product": o.product_name, "mode": o.billing_mode,
                    "paid": f"{o.primary_payment.amount:,.2f}" if o.primary_payment else "0.00",
                    "status": order_state(o, moment), "bought": format_customer_time(o.created_at, with_time=False),
                    "expires": format_customer_time(o.expires_at, with_time=False) if o.expires_at else "—"}
                   for o in sorted(orders, key=lambda o: o.created_at, reverse=True)],
        "tickets": [{"ticket_id": t.ticket_id, "status": t.status_label, "order_id": t.order_id,
                     "amount": f"{t.quoted_amount:,.2f}", "filed": format_customer_time(t.created_at)}
                    for t in tickets],
        "handoffs": [{"id": x.id, "status": labels.HANDOFF_STATUS_LABELS.get(x.status, x.status), "reason": x.reason,
                      "at": format_customer_time(x.created_at)} for x in history if x.id != h.id],
    }


def upload_json(u: StoredUpload) -> Dict[str, Any]:
    return {"id": u.upload_id, "filename": u.filename, "content_type": u.content_type, "size": u.size,
            "url": f"/console/uploads/{u.upload_id}"}


def safe_download_name(filename: str, content_type: str) -> str:
    """The customer's file name with the extension of the type its content was detected as
    (「截图.html」 that is really a PNG downloads as 「截图.png」): the saved file never opens
    as something it is not."""
    stem = PurePosixPath(filename.replace("\\", "/")).name.rsplit(".", 1)[0].strip(" .") or "evidence"
    return stem[:100] + EXTENSIONS.get(content_type, ".bin")


# Types the console previews in the page: pictures, PDFs (framed by our own pages only) and text logs.
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain")


def evidence_headers(filename: str, content_type: str, inline: bool = False) -> Dict[str, str]:
    """Serve customer files inertly: a download, never sniffed, framed or run; `inline` (a
    previewable type only): shown in the console's own page, still never run (a PDF may be
    framed by our pages, to reach the browser's viewer; nothing else may frame it)."""
    name = safe_download_name(filename, content_type)
    shown = inline and content_type in PREVIEWABLE
    pdf = shown and content_type == "application/pdf"
    return {**SECURITY_HEADERS,
            **({"X-Frame-Options": "SAMEORIGIN"} if pdf else {}),
            "Content-Disposition": f"{'inline' if shown else 'attachment'}; "
                                   f"filename=\"evidence{EXTENSIONS.get(content_type, '.bin')}\"; "
                                   f"filename*=UTF-8''{quote(name, safe='')}",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'" if pdf
            else "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "Cross-Origin-Resource-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}
