"""The operator dashboard in the console: figures over a chosen period of Beijing days (what the
conversations reached, the signs they went wrong and the list of those that did, each linked to
its transcript), a chart and its table for each, every figure's definition, and every table as CSV."""
from __future__ import annotations

from datetime import date
from typing import Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.dashboard import TROUBLED_LISTED, Dashboard, Figures
from bot.backoffice.staff import Staff
from bot.clock import format_customer_time
from bot.observability.activity import ID_CHARS
from bot.vocabulary import Role
from bot.web.charts import bar_chart
from bot.web.console_views import transcript
from bot.web.rasa_client import RasaClient
from bot.web.spreadsheet import csv_bytes
from bot.web.staff_auth import StaffAuth
from bot.wiring import Services

TEMPLATE = "dashboard.html"


def add_dashboard_routes(console: Blueprint, auth: StaffAuth, services: Services, rasa: RasaClient) -> None:
    workflow = services.workflow
    dashboard = Dashboard(services.sessions, workflow.count_overdue,
                          services.handoffs.clock)

    def chosen_period(request: Request) -> Tuple[date, date]:
        """The period in the address (YYYY-MM-DD, Beijing), the last seven days by default;
        ValueError with a message for staff when it is not a period."""
        since, until = dashboard.default_period()
        try:
            since = date.fromisoformat(request.args.get("from") or since.isoformat())
            until = date.fromisoformat(request.args.get("to") or until.isoformat())
        except ValueError:
            raise ValueError(labels.bad_date("日期")) from None
        return since, until

    def figures(request: Request) -> Figures:
        return dashboard.figures(*chosen_period(request))

    @console.get("/dashboard")
    @auth.required(role=Role.OPERATOR, page=True)
    async def dashboard_page(request: Request, staff: Staff) -> response.HTTPResponse:
        try:
            shown = figures(request)
        except ValueError as exc:
            since, until = dashboard.default_period()
            return auth.page(request, TEMPLATE, status=400, error=str(exc), figures=None,
                             since=request.args.get("from", since.isoformat()), until=request.args.get("to", until.isoformat()))
        charts = {t.key: bar_chart(t, f"caption-{t.key}") for t in shown.tables}
        troubled = [{"id": r.conversation_id, "at": format_customer_time(r.started_at),
                     "outcome": labels.CONVERSATION_OUTCOME_LABELS[r.outcome], "messages": r.messages,
                     "signs": [labels.CONVERSATION_SIGN_LABELS[s] for s in r.signs]} for r in shown.troubled]
        return auth.page(request, TEMPLATE, figures=shown, charts=charts, since=shown.since.isoformat(),
                         until=shown.until.isoformat(), troubled=troubled, definitions=labels.FIGURE_DEFINITIONS,
                         reads_conversations=staff.reads_conversations, listed=TROUBLED_LISTED)

    @console.get("/dashboard/csv/<key:[a-z_]+>")
    @auth.required(role=Role.OPERATOR, page=True)
    async def dashboard_csv(request: Request, staff: Staff, key: str) -> response.HTTPResponse:
        try:
            shown = figures(request)
            table = shown.table(key)
        except (ValueError, StopIteration):
            return response.text(labels.NO_SUCH_TABLE, status=404)
        name = f"{key}_{shown.since:%Y%m%d}_{shown.until:%Y%m%d}.csv"
        return response.raw(csv_bytes(table.columns, table.rows), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    @console.get("/conversations/<conversation_id:str>")
    @auth.required(page=True, conversations=True)
    async def transcript_page(request: Request, staff: Staff, conversation_id: str) -> response.HTTPResponse:
        """A conversation read-only, by its id (the dashboard's and the NLU inbox's links): what
        it reached, its signs, its handoffs and the whole transcript."""
        if len(conversation_id) > ID_CHARS:
            return auth.page(request, "console_message.html", status=404, message=labels.NO_SUCH_CONVERSATION)
        found = dashboard.conversation(conversation_id)
        tracker = await rasa.tracker(conversation_id)
        lines = transcript(tracker.get("events", []))
        handoffs = services.handoffs.for_conversation(conversation_id)
        if found is None and not lines and not handoffs:
            return auth.page(request, "console_message.html", status=404, message=labels.NO_SUCH_CONVERSATION)
        about = {"at": format_customer_time(found.started_at), "outcome": labels.CONVERSATION_OUTCOME_LABELS[found.outcome],
                 "signs": [labels.CONVERSATION_SIGN_LABELS[s] for s in found.signs], "tickets": found.tickets} if found else None
        back, back_label = (("/console/dashboard#troubled", "返回运营看板") if staff.has(Role.OPERATOR)
                            else ("/console/history", "返回历史会话"))
        return auth.page(request, "console_transcript.html", conversation_id=conversation_id, about=about, lines=lines,
                         who=labels.TRANSCRIPT_SPEAKERS, back=back, back_label=back_label,
                         handoffs=[{"id": h.id, "at": format_customer_time(h.created_at),
                                    "reason": labels.HANDOFF_REASON_LABELS.get(h.reason, h.reason),
                                    "outcome": labels.HANDOFF_OUTCOME_LABELS.get(h.outcome or "",
                                                                                 labels.HANDOFF_STATUS_LABELS.get(h.status, ""))}
                                   for h in handoffs])
