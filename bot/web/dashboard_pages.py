"""The operator dashboard in the console: figures over a chosen period of Beijing days, a chart
and its table for each, and every table as CSV."""
from __future__ import annotations

from datetime import date
from typing import Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.dashboard import Dashboard, Figures
from bot.backoffice.staff import Staff
from bot.vocabulary import Role
from bot.web.charts import bar_chart
from bot.web.spreadsheet import csv_bytes
from bot.web.staff_auth import StaffAuth
from bot.wiring import Services

TEMPLATE = "dashboard.html"


def add_dashboard_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
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
        return auth.page(request, TEMPLATE, figures=shown, charts=charts, since=shown.since.isoformat(),
                         until=shown.until.isoformat())

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
