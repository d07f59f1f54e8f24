"""The operators' NLU review inbox in the console: badly understood customer messages to the
assistant (masked), each linked to the conversation it was last said in, labelled with the
right intent or dismissed, and the labelled ones exported as a Rasa NLU file."""
from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.clock import format_customer_time, to_customer_time
from bot.nlu.review_inbox import domain_intents, known_wordings
from bot.settings import PROJECT_ROOT
from bot.vocabulary import ReviewStatus, Role
from bot.web.staff_auth import StaffAuth
from bot.wiring import Services

TEMPLATE = "nlu_review.html"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
HELD_OUT_DIR = PROJECT_ROOT / "tests" / "nlu"  # our held-out test sets (absent from a production image)


def listed_status(request: Request) -> str:
    """Which part of the inbox the page lists (`?status=`), the new messages unless it is a known state."""
    wanted = request.args.get("status", ReviewStatus.NEW)
    return wanted if wanted in ReviewStatus.values() else ReviewStatus.NEW.value


def add_nlu_review_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
    inbox, intents = services.nlu_review, domain_intents(DOMAIN_FILE)

    def page(request: Request, staff: Staff, status_code: int = 200, error: str = "") -> response.HTTPResponse:
        shown = listed_status(request)
        people = {s.staff_id: s.name for s in services.staff.all()}
        rows = [{"id": i.id, "conversation_id": i.conversation_id, "text": i.text,
                 "predicted": labels.INTENT_LABELS.get(i.predicted_intent, i.predicted_intent),
                 "predicted_code": i.predicted_intent, "confidence": f"{i.confidence:.2f}", "seen": i.seen,
                 "last_seen": format_customer_time(i.last_seen), "label": i.label,
                 "label_text": labels.INTENT_LABELS.get(i.label or "", i.label or ""),
                 "by": labels.staff_name(people, i.labelled_by)}
                for i in inbox.items(shown)]
        return auth.page(request, TEMPLATE, status=status_code, rows=rows, shown=shown, error=error,
                         reads_conversations=staff.reads_conversations,
                         statuses=labels.REVIEW_STATUS_LABELS, intents=[(i, labels.INTENT_LABELS.get(i, i)) for i in intents])

    @console.get("/nlu")
    @auth.required(role=Role.OPERATOR, page=True)
    async def review_page(request: Request, staff: Staff) -> response.HTTPResponse:
        return page(request, staff)

    @console.post("/nlu/<item_id:int>/<decision:label|dismiss>")
    @auth.required(role=Role.OPERATOR, csrf=True)
    async def decide(request: Request, staff: Staff, item_id: int, decision: str) -> response.HTTPResponse:
        intent = (request.form.get("intent") or "").strip()
        if decision == "label" and intent not in intents:
            return page(request, staff, 422, labels.UNKNOWN_INTENT)
        done = inbox.label(item_id, intent, staff.staff_id) if decision == "label" else inbox.dismiss(item_id, staff.staff_id)
        if done is None:
            return page(request, staff, 404, labels.NO_SUCH_REVIEW_ITEM)
        return response.redirect(f"/console/nlu?status={listed_status(request)}#inbox")

    @console.get("/nlu/export.yml")
    @auth.required(role=Role.OPERATOR, page=True)
    async def export(request: Request, staff: Staff) -> response.HTTPResponse:
        """Labelled wordings as a Rasa NLU file, without anything already in our data or in the
        evaluation sets."""
        files = [*sorted(NLU_DIR.glob("*.yml")), *sorted(HELD_OUT_DIR.glob("*.yml"))]
        excluded = known_wordings(files, services.settings.eval_dir)
        day = to_customer_time(inbox.clock()).strftime("%Y%m%d")
        return response.text(inbox.export(excluded), content_type="application/x-yaml; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="nlu_review_{day}.yml"',
                                      "Cache-Control": "no-store"})
