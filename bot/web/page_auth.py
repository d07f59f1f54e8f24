"""What the customer site and the agent console share about a logged-in browser: the login
the server still holds (from a signed cookie), pages rendered with the CSRF token bound to
that login, the cookies, and the CSRF check. `CustomerAuth` and `StaffAuth` fill in the rest."""
from __future__ import annotations

from typing import Any, Callable, Optional

from jinja2 import Environment
from sanic import response
from sanic.request import Request

from bot.security.login_sessions import LoginKind
from bot.security.tokens import LoginClaim, TokenError
from bot.web import cookies
from bot.web.cookies import NO_STORE, SECURITY_HEADERS, csrf_token, csrf_valid, new_csrf_nonce
from bot.wiring import Services


class PageAuth:
    """One kind of login (customer or staff) and its cookies."""

    kind: LoginKind
    session_cookie: str
    csrf_cookie: str
    cookie_path: str
    same_site: str
    user_name: str  # what templates call the logged-in person

    def __init__(self, services: Services, templates: Environment, content_policy: str,
                 verify: Callable[[Optional[str], str], LoginClaim]) -> None:
        self._services = services
        self._templates = templates
        self._content_policy = content_policy
        self._verify = verify
        self._secret = services.settings.jwt_secret
        self._secure = services.settings.site_url.startswith("https://")

    def current_login(self, request: Request) -> Optional[LoginClaim]:
        """The login from the session cookie, if the server still holds it (looked up once per
        request: the guard, the CSRF check and the page all ask)."""
        cached = f"{self.kind.value}_login"
        if not hasattr(request.ctx, cached):
            try:
                claim: Optional[LoginClaim] = self._verify(request.cookies.get(self.session_cookie), self._secret)
                live = claim is not None and self._services.logins.is_live(claim.session_id, self.kind, claim.subject)
            except TokenError:
                claim, live = None, False
            setattr(request.ctx, cached, claim if live else None)
        return getattr(request.ctx, cached)

    def current_user(self, request: Request) -> Any:
        """The logged-in person (a customer or a staff member), or None."""
        raise NotImplementedError

    def set_cookie(self, resp: response.HTTPResponse, key: str, value: str, max_age: Optional[int] = None) -> None:
        cookies.set_cookie(resp, key, value, secure=self._secure, samesite=self.same_site, path=self.cookie_path,
                           max_age=max_age)

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        """A page carrying the CSRF token of this browser and login."""
        nonce = request.cookies.get(self.csrf_cookie) or new_csrf_nonce()
        login = self.current_login(request)
        csrf = csrf_token(self._secret, nonce, login.session_id if login else None)
        html = self._templates.get_template(template).render(
            csrf=csrf, **{self.user_name: self.current_user(request)}, **context)
        resp = response.html(html, status=status, headers={**SECURITY_HEADERS, **NO_STORE,
                                                           "Content-Security-Policy": self._content_policy})
        self.set_cookie(resp, self.csrf_cookie, nonce)
        return resp

    def csrf_ok(self, request: Request) -> bool:
        """The request carries this browser's CSRF token (X-CSRF-Token header or `csrf` field)."""
        sent = request.headers.get("x-csrf-token") or (request.form.get("csrf") if request.form else None)
        login = self.current_login(request)
        return csrf_valid(self._secret, sent, request.cookies.get(self.csrf_cookie), login.session_id if login else None)
