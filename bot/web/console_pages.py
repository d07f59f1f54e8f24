"""Console pages: staff login and logout, the queue, one conversation."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sanic import Blueprint, response
from sanic.request import Request

from bot.backoffice import labels
from bot.backoffice.staff import Staff
from bot.clock import customer_day_start, format_customer_time
from bot.handoff.canned import load_canned
from bot.handoff.service import HISTORY_LIMIT, HistoryFilter
from bot.security.login_sessions import LoginKind
from bot.security.ratelimit import login_throttle
from bot.security.tokens import CONSOLE_TTL, issue_console_token
from bot.web.console_views import finished_row
from bot.web.staff_auth import LOGIN_PAGE, StaffAuth, home_page
from bot.wiring import Services

LOGIN_TEMPLATE = "console_login.html"
QUEUE_TEMPLATE = "console_queue.html"
HISTORY_TEMPLATE = "console_history.html"


def history_filter(args: Dict[str, str], customer_ids: Tuple[str, ...]) -> HistoryFilter:
    """The history's filter from the form: words, and Beijing dates from/to (both inclusive).
    Raises ValueError with a message for staff when a date is not a date."""
    since, until = _day(args.get("from", ""), "开始日期"), _day(args.get("to", ""), "结束日期")
    if since and until and since > until:
        raise ValueError(labels.DATES_REVERSED)
    return HistoryFilter(text=args.get("q", ""), customer_ids=customer_ids,
                         since=customer_day_start(since) if since else None,
                         until=customer_day_start(until + timedelta(days=1)) if until else None)


def _page_number(raw: Optional[str]) -> int:
    """The history page asked for: a whole number from 1 (anything else is the first page)."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _day(text: str, name: str) -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(labels.bad_date(name)) from None


def add_page_routes(console: Blueprint, auth: StaffAuth, services: Services) -> None:
    # Read and checked once, at start-up: a broken file stops the website, not each page load.
    canned_replies = [asdict(r) for r in load_canned(services.settings.canned_replies_file)]
    throttle = login_throttle("console_login", services.settings)
    logins, handoffs = services.logins, services.handoffs

    @console.get("/login")
    async def login_page(request: Request) -> response.HTTPResponse:
        return auth.page(request, LOGIN_TEMPLATE)

    @console.post("/login")
    async def login(request: Request) -> response.HTTPResponse:
        if not auth.csrf_ok(request):
            return auth.page(request, LOGIN_TEMPLATE, status=400, error=labels.PAGE_EXPIRED)
        staff_id, address = (request.form.get("staff_id") or "").strip()[:32], request.remote_addr or request.ip
        if throttle.blocked(staff_id, address):
            return auth.page(request, LOGIN_TEMPLATE, status=429, error=labels.TOO_MANY_LOGINS)
        staff = services.staff.by_password(staff_id, request.form.get("password") or "")
        if staff is None:
            throttle.failed(staff_id, address)
            return auth.page(request, LOGIN_TEMPLATE, status=401, error=labels.WRONG_LOGIN)
        previous = auth.current_login(request)
        if previous is not None:
            logins.end(previous.session_id)
        resp = response.redirect(home_page(staff))
        session_id = logins.start(LoginKind.STAFF, staff.staff_id, CONSOLE_TTL)
        auth.start_login(resp, issue_console_token(services.settings.jwt_secret, staff.staff_id, session_id))
        return resp

    @console.post("/logout")
    async def logout(request: Request) -> response.HTTPResponse:
        """End the login on the server (every copy of the cookie stops working), then forget it."""
        resp = response.redirect(LOGIN_PAGE)
        login = auth.current_login(request)
        if login is not None and auth.csrf_ok(request):
            logins.end(login.session_id)
            auth.forget_login(resp)
        return resp

    def finished_rows(wanted: HistoryFilter, limit: int, offset: int = 0) -> Tuple[List[Dict[str, Any]], int]:
        """One page of finished conversations as rows, and how many there are in all."""
        found = handoffs.history(wanted, limit, offset)
        names = services.customers.names(h.customer_id for h in found.handoffs if h.customer_id)
        people = services.staff.names()
        return [finished_row(h, names.get(h.customer_id or ""), people, found.hits.get(h.id), wanted.text.strip())
                for h in found.handoffs], found.total

    @console.get("/")
    @auth.required(page=True, conversations=True)
    async def queue_page(request: Request, staff: Staff) -> response.HTTPResponse:
        surveys = [{**s, "at_local": format_customer_time(datetime.fromisoformat(s["at"]))} for s in handoffs.surveys(20)]
        return auth.page(request, QUEUE_TEMPLATE, surveys=surveys, finished=finished_rows(HistoryFilter(), 20)[0])

    @console.get("/history")
    @auth.required(page=True, conversations=True)
    async def history_page(request: Request, staff: Staff) -> response.HTTPResponse:
        """Finished conversations, searchable by customer, ticket, agent or words, and by date."""
        args = {key: (request.args.get(key) or "").strip()[:40] for key in ("q", "from", "to")}
        page = _page_number(request.args.get("page"))
        try:
            wanted = history_filter(args, services.customers.named_like(args["q"]))
        except ValueError as exc:
            return auth.page(request, HISTORY_TEMPLATE, status=400, error=str(exc), args=args, rows=[], total=0,
                             page=1, pages=1)
        rows, total = finished_rows(wanted, HISTORY_LIMIT, (page - 1) * HISTORY_LIMIT)
        return auth.page(request, HISTORY_TEMPLATE, args=args, rows=rows, total=total, page=page,
                         pages=max(1, -(-total // HISTORY_LIMIT)), words=wanted.text.strip())

    @console.get("/handoffs/<handoff_id:int>")
    @auth.required(page=True, conversations=True)
    async def conversation_page(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
        if handoffs.get(handoff_id) is None:
            return auth.page(request, QUEUE_TEMPLATE, status=404, error=labels.NO_SUCH_CONVERSATION, surveys=[],
                             finished=[])
        return auth.page(request, "console_conversation.html", handoff_id=handoff_id, canned=canned_replies)
