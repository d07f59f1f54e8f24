"""What the customer site and the agent console share about a logged-in browser: the login
the server still holds (from a signed cookie), pages rendered with the CSRF token bound to
that login, the cookies, and the CSRF check. `CustomerAuth` and `StaffAuth` fill in the rest.

Login CSRF and session fixation: a page on a sibling subdomain can plant ordinary cookies for
the whole domain (its own CSRF nonce with the token it got for it, or its own session). Over
https the session and CSRF cookies are therefore `__Host-` cookies, which browsers accept only
from this very host (Secure, no Domain, Path=/), and every POST must come from this site's own
pages: a browser's `Origin` must be this host and `Sec-Fetch-Site` not cross-site or same-site."""
from __future__ import annotations

from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from jinja2 import Environment
from sanic import response
from sanic.request import Request

from bot.security.login_sessions import LoginKind
from bot.security.tokens import LoginClaim, TokenError
from bot.web import cookies
from bot.web.cookies import NO_STORE, SECURITY_HEADERS, csrf_token, csrf_valid, new_csrf_nonce
from bot.wiring import Services

HOST_PREFIX = "__Host-"
FOREIGN_FETCH_SITES = ("cross-site", "same-site")  # Sec-Fetch-Site of a request another site's page made


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
        self._site_host = urlsplit(services.settings.site_url).netloc
        prefix = HOST_PREFIX if self._secure else ""
        self.session_name, self.csrf_name = prefix + self.session_cookie, prefix + self.csrf_cookie
        self._path = "/" if self._secure else self.cookie_path  # __Host- cookies must have Path=/

    def current_login(self, request: Request) -> Optional[LoginClaim]:
        """The login from the session cookie, if the server still holds it (looked up once per
        request: the guard, the CSRF check and the page all ask)."""
        cached = f"{self.kind.value}_login"
        if not hasattr(request.ctx, cached):
            try:
                claim: Optional[LoginClaim] = self._verify(request.cookies.get(self.session_name), self._secret)
                live = claim is not None and self._services.logins.is_live(claim.session_id, self.kind, claim.subject)
            except TokenError:
                claim, live = None, False
            setattr(request.ctx, cached, claim if live else None)
        return getattr(request.ctx, cached)

    def current_user(self, request: Request) -> Any:
        """The logged-in person (a customer or a staff member), or None."""
        raise NotImplementedError

    def set_cookie(self, resp: response.HTTPResponse, key: str, value: str, max_age: Optional[int] = None) -> None:
        cookies.set_cookie(resp, key, value, secure=self._secure, samesite=self.same_site, path=self._path,
                           max_age=max_age)

    def start_login(self, resp: response.HTTPResponse, session_token: str) -> None:
        """The cookies of a new login: its session, and a new CSRF nonce (the old token dies)."""
        self.set_cookie(resp, self.session_name, session_token)
        self.set_cookie(resp, self.csrf_name, new_csrf_nonce())

    def forget_login(self, resp: response.HTTPResponse) -> None:
        self.set_cookie(resp, self.session_name, "", max_age=0)

    def had_login(self, request: Request) -> bool:
        """The browser still sends a session cookie (which may have expired or been ended)."""
        return bool(request.cookies.get(self.session_name))

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> response.HTTPResponse:
        """A page carrying the CSRF token of this browser and login."""
        nonce = request.cookies.get(self.csrf_name) or new_csrf_nonce()
        login = self.current_login(request)
        csrf = csrf_token(self._secret, nonce, login.session_id if login else None)
        html = self._templates.get_template(template).render(
            csrf=csrf, **{self.user_name: self.current_user(request)}, **context)
        resp = response.html(html, status=status, headers={**SECURITY_HEADERS, **NO_STORE,
                                                           "Content-Security-Policy": self._content_policy})
        self.set_cookie(resp, self.csrf_name, nonce)
        return resp

    def from_this_site(self, request: Request) -> bool:
        """False when the browser says another site's page (a sibling subdomain included) sent
        the request; requests without those headers (other clients) rely on the token alone."""
        if request.headers.get("sec-fetch-site") in FOREIGN_FETCH_SITES:
            return False
        origin = request.headers.get("origin")
        return origin is None or urlsplit(origin).netloc in (self._site_host, request.headers.get("host"))

    def csrf_ok(self, request: Request, sent: Optional[str] = None) -> bool:
        """The request comes from this site's own page and carries this browser's CSRF token
        (`sent`, as the reader of a streamed body found it, or the X-CSRF-Token header or the
        `csrf` field)."""
        if not self.from_this_site(request):
            return False
        # A caller that read the body itself (`sent` given) has seen its fields: the body is not
        # parsed again (Sanic would log an error for a multipart body without its boundary).
        form = request.form if sent is None and request.form else None
        sent = sent or request.headers.get("x-csrf-token") or (form.get("csrf") if form else None)
        login = self.current_login(request)
        return csrf_valid(self._secret, sent, request.cookies.get(self.csrf_name), login.session_id if login else None)
