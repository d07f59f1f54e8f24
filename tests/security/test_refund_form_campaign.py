"""The bad-input campaign against the website's refund application and ticket actions, over HTTP
to the running website (python -m bot.web), as logged-in customer c1001 (see form_campaign.py
for the probes: hostile values in every field, another customer's order, instance, draft and
ticket, absurd times, huge and odd uploads, forged confirmations, missing CSRF tokens,
malformed bodies).

Pass, for every probe: no 5xx; a refusal is a 4xx whose page says why in Chinese; no probe
changes the database (no ticket, event or handoff) beyond keeping the customer's own files for
the draft the answering page carries on; no confirmation files a ticket for anything but
what it was issued for; nothing of the other customer is shown; markup is never echoed live;
and no file is left half-written on disk."""
from __future__ import annotations

import os
import re
import secrets
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import requests
from sqlalchemy import select

from bot.billing.sql_adapter import SqlBillingAdapter
from bot.policy.config import load_policy
from bot.refunds.service import RefundService
from bot.security.tokens import UploadGrant
from bot.settings import PROJECT_ROOT
from bot.storage.schema import HandoffRow, TicketEventRow, TicketRow, UploadRow
from bot.storage.seed import demo_order
from bot.tickets.store import TicketStore
from bot.uploads.store import UploadStore
from harness.servers import JWT_SECRET, site_session_cookie
from tests.conftest import website
from tests.security.form_campaign import PNG, Probe, World, base_application, generate

SEED = 20261205
PROBES = int(os.environ.get("REFUND_FORM_CAMPAIGN_PROBES", "600"))
CUSTOMER, OTHER = "c1001", "c1002"
MAX_BYTES, MAX_FILES = 1024 * 1024, 3
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LIMIT_KEY = f"refund:rate:refund_pages:customer:{CUSTOMER}"
CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_TEXT = re.compile(r'class="(?:notice-error|field-error)"[^>]*>(.*?)</', re.S)
FOREIGN_FILE = "李娜的发票.png"
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x onerror|<svg/onload|<iframe src=//evil|<a href='javascript:")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("form-campaign")
    env = {"REFUND_JWT_SECRET": JWT_SECRET, "REFUND_REDIS_URL": REDIS_URL, "REFUND_UPLOAD_MAX_BYTES": str(MAX_BYTES),
           "REFUND_UPLOAD_MAX_FILES": str(MAX_FILES), "REFUND_MAIL_DIR": str(workdir / "mail")}
    with website("sqlite", workdir, env) as (url, sessions):
        yield url, sessions, workdir / "uploads"


def world_of(sessions, upload_root: Path) -> World:
    """The other customer's ticket and a draft of theirs holding a file."""
    other = demo_order("other_customer")
    service = RefundService(SqlBillingAdapter(sessions), TicketStore(sessions),
                            load_policy(PROJECT_ROOT / "policies" / "default.yml"))
    ticket = service.file(OTHER, other.order_id, "demand_change", {}, [("text", "李娜的退款说明")]).ticket
    draft = f"web-{secrets.token_hex(16)}"
    UploadStore(sessions, upload_root, MAX_BYTES, MAX_FILES).save(UploadGrant(OTHER, draft, None), FOREIGN_FILE, PNG,
                                                                  datetime.now(timezone.utc))
    own = demo_order("service_issue")
    return World(own.order_id, own.instance_id or "", other.order_id, other.instance_id or "", ticket.ticket_id, draft,
                 MAX_BYTES, MAX_FILES)


def snapshot(sessions) -> Dict[str, list]:
    with sessions() as db:
        return {
            "tickets": sorted((t.ticket_id, t.customer_id, t.order_id, t.status, str(t.quoted_amount))
                              for t in db.scalars(select(TicketRow))),
            "events": sorted((e.ticket_id, e.to_status, e.actor) for e in db.scalars(select(TicketEventRow))),
            "uploads": sorted((u.id, u.customer_id, u.conversation_id, u.ticket_id, u.sha256)
                              for u in db.scalars(select(UploadRow))),
            "handoffs": sorted(h.id for h in db.scalars(select(HandoffRow))),
        }


def kept_for_the_draft(before: Dict[str, list], after: Dict[str, list], page: str) -> bool:
    """The only change a form step may make, refused or not: the customer's own files kept for
    the draft the page it answers with carries on (so they are neither lost nor orphaned)."""
    if {**after, "uploads": []} != {**before, "uploads": []}:
        return False
    carried = re.search(r'name="draft" value="([^"]*)"', page)
    new = set(after["uploads"]) - set(before["uploads"])
    return set(before["uploads"]) <= set(after["uploads"]) and carried is not None and all(
        u[1] == CUSTOMER and u[3] is None and u[2] == carried.group(1) for u in new)


def multipart(fields: List[Tuple[str, str]], files: List[Tuple[str, bytes, str]]) -> Tuple[bytes, str]:
    """A multipart body in the order given (the CSRF token first, as the pages send it)."""
    boundary = f"campaign{uuid.uuid4().hex}"
    parts: List[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode("utf-8", "surrogatepass") + b"\r\n")
    for filename, content, declared in files:
        quoted = filename.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
        if declared:
            head += f"Content-Type: {declared}\r\n"
        parts.append(head.encode("utf-8", "surrogatepass") + b"\r\n" + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Customer:
    """c1001's browser: the login cookie, the CSRF cookie and token the pages hand out."""

    def __init__(self, url: str, sessions) -> None:
        self.url = url
        self.http = requests.Session()
        name, value = site_session_cookie(sessions, CUSTOMER).split("=", 1)
        self.http.cookies.set(name, value)
        page = self.http.get(f"{url}/refunds/apply", timeout=30)
        assert page.status_code == 200, page.status_code
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def real_confirmation(self, world: World) -> Dict[str, str]:
        """The base application's quote page: its hidden fields and the confirmation for them."""
        body, content_type = multipart([("csrf", self.csrf), *base_application(world).items()], [])
        page = self.http.post(f"{self.url}/refunds/apply", data=body, headers={"Content-Type": content_type},
                              timeout=30)
        assert page.status_code == 200 and "confirm-submit" in page.text, page.text[:2000]
        form = page.text[page.text.index('id="confirm-form"'):]
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    def send(self, probe: Probe, confirmed: Dict[str, str]) -> requests.Response:
        url = f"{self.url}{probe.path}"
        if probe.method != "POST":
            return self.http.request(probe.method, url, params=probe.fields, allow_redirects=False, timeout=60)
        if probe.raw is not None:
            return self.http.post(url, data=probe.raw, headers={"Content-Type": probe.content_type or ""},
                                  allow_redirects=False, timeout=60)
        fields = dict(probe.fields)
        if probe.kind == "confirm":
            fields = {**{k: v for k, v in confirmed.items() if k != "csrf"}, **probe.fields}
            fields["confirmation"] = confirmed["confirmation"] if probe.confirmation == "real" else probe.confirmation
        token = {"good": self.csrf, "wrong": self.csrf[:-4] + "AAAA", "missing": None}[probe.csrf]
        ordered = ([("csrf", token)] if token is not None else []) + list(fields.items())
        body, content_type = multipart(ordered, probe.files)
        return self.http.post(url, data=body, headers={"Content-Type": content_type}, allow_redirects=False, timeout=60)


def test_hostile_refund_forms_are_refused_clearly_and_change_nothing(site):
    import redis

    url, sessions, upload_root = site
    world = world_of(sessions, upload_root)
    probes = generate(SEED, PROBES, world)
    assert [p.sent() for p in probes] == [p.sent() for p in generate(SEED, PROBES, world)]  # reproducible
    limits = redis.Redis.from_url(REDIS_URL)
    with sessions() as db:  # the seeded tickets (their numbers carry the day the seed ran)
        seeded = list(db.scalars(select(TicketRow.ticket_id).where(TicketRow.customer_id == CUSTOMER)))
    customer = Customer(url, sessions)
    confirmed = customer.real_confirmation(world)
    secrets_of_other = ["李娜", "lina@example.com", "1,500.00", world.foreign_ticket, FOREIGN_FILE,
                        world.foreign_instance, "c1002"]
    statuses: Dict[str, Counter] = {}
    failures: List[str] = []
    for n, probe in enumerate(probes):
        limits.delete(LIMIT_KEY)  # the allowance of a new window: every probe is judged on its content
        before = snapshot(sessions)
        answer = customer.send(probe, confirmed)
        after = snapshot(sessions)
        statuses.setdefault(probe.kind, Counter())[answer.status_code] += 1
        where = f"#{n} {probe.kind} {probe.path} {str(probe.fields)[:160]!r} -> {answer.status_code}"
        body = answer.text
        if answer.status_code >= 500:
            failures.append(f"{where}: server error {body[:300]!r}")
            continue
        if answer.status_code in (301, 302, 303, 307):
            failures.append(f"{where}: redirected to {answer.headers.get('Location')}")
        if answer.status_code >= 400:
            said = " ".join(ERROR_TEXT.findall(body))
            if not CJK.search(said):
                failures.append(f"{where}: no Chinese reason ({said[:200]!r} / {body[:200]!r})")
        if after != before and not kept_for_the_draft(before, after, body):
            failures.append(f"{where}: changed more than the files of the draft the page carries on")
        typed = probe.sent().lower()
        for secret in secrets_of_other:
            if secret.lower() not in typed and secret in body:
                failures.append(f"{where}: disclosed {secret!r}")
        if LIVE_MARKUP.search(body):
            failures.append(f"{where}: markup echoed unescaped")
        if "Traceback" in body or "Internal Server Error" in body:
            failures.append(f"{where}: internals shown")
    print(f"\nform campaign: {len(probes)} probes; " +
          "; ".join(f"{kind}: {dict(counts)}" for kind, counts in sorted(statuses.items())))
    assert failures == [], "\n".join(failures[:30])
    errors = [line for line in (upload_root.parent / "web.log").read_text(encoding="utf-8").splitlines()
              if '"level": "ERROR"' in line]
    assert errors == [], errors[:3]  # bad input is refused, not an error an operator is paged for
    with sessions() as db:
        own = list(db.scalars(select(TicketRow).where(TicketRow.customer_id == CUSTOMER)))
    assert [t.ticket_id for t in own] == seeded and len(seeded) == 1  # no probe filed anything
    incoming = upload_root / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []  # nothing half-received left behind
    stored = {p.name for p in upload_root.rglob("*") if p.is_file() and "incoming" not in p.parts}
    with sessions() as db:
        known = set(db.scalars(select(UploadRow.sha256)))
    assert stored <= known | {p for p in stored if not re.fullmatch(r"[0-9a-f]{64}", p)}
    assert all(name[:64] in known for name in stored if re.match(r"[0-9a-f]{64}", name))
