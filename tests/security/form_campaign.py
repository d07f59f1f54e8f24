"""A reproducible (seeded) bad-input campaign for the website's refund application (「申请退款」)
and the customer's ticket actions (「我的退款」).

`generate(seed, count, world)` yields probes: hostile values in every field of the application
(another customer's order, instance and draft, absurd times, huge and odd text, markup, SQL),
hostile uploads (too large, too many, a program named .png, empty, odd names), forged or
mismatched confirmations, another customer's ticket, missing CSRF tokens and malformed bodies.
The same seed always gives the same campaign."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from bot.clock import CUSTOMER_TZ
from harness.hostile_text import FRAGMENTS
from tests.security.campaign import CONTROL, EMOJI, MARKUP, RTL, RTL_TEXT, SQL, ZERO_WIDTH

# The smallest valid PNG (1×1): uploads are checked by their content.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64  # a Windows program
ZIP = b"PK\x03\x04" + b"\x00" * 60

File = Tuple[str, bytes, str]  # name, content, declared type


@dataclass(frozen=True)
class World:
    """What the campaign knows: the customer's own order to apply for, another customer's order,
    instance, ticket and draft, the upload limit."""

    own_order: str
    own_instance: str
    foreign_order: str
    foreign_instance: str
    foreign_ticket: str
    foreign_draft: str
    max_bytes: int
    max_files: int


@dataclass
class Probe:
    kind: str
    method: str = "POST"
    path: str = "/refunds/apply"
    fields: Dict[str, str] = field(default_factory=dict)
    files: List[File] = field(default_factory=list)
    raw: Optional[bytes] = None  # a body sent as is (with `content_type`)
    content_type: Optional[str] = None
    csrf: str = "good"  # good | missing | wrong
    confirmation: str = ""  # for /confirm: "real" (the base quote's), or a forged value

    def sent(self) -> str:
        """Everything the probe typed (a value it typed may be shown back to it)."""
        return " ".join([self.path, *self.fields.values(), *(f[0] for f in self.files), self.confirmation])


def two_days_ago() -> str:
    """A time the form accepts whatever the day: two days ago at 14:00, Beijing time."""
    return (datetime.now(CUSTOMER_TZ) - timedelta(days=2)).strftime("%Y-%m-%d 14:00")


def base_application(world: World) -> Dict[str, str]:
    """A valid application: a service problem on the customer's own server."""
    return {"order_id": world.own_order, "kind": "refund", "reason": "service_issue",
            "incident_time": two_days_ago(), "incident_instance": world.own_instance,
            "description": "数据库连接一直超时，网站打不开", "links": ""}


def _hostile_text(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.2:
        return rng.choice(MARKUP)
    if pick < 0.35:
        return rng.choice(SQL)
    if pick < 0.5:
        return "".join(rng.choice(CONTROL + ZERO_WIDTH + RTL) for _ in range(rng.randint(1, 20))) + "退款"
    if pick < 0.6:
        return rng.choice(RTL_TEXT) + rng.choice(EMOJI)
    if pick < 0.75:
        return rng.choice(FRAGMENTS) * rng.choice((1, 50, 2000))
    if pick < 0.85:
        return rng.choice(["退", "a", "😀", "\u0000", "\ufffd"]) * rng.choice((2001, 20_000))
    return rng.choice(["", " ", "\t\n", "null", "None", "undefined", "[]", "{}", "0", "-1", "true"])


def _values(rng: random.Random, world: World) -> Dict[str, List[str]]:
    """Hostile values for each field."""
    return {
        "order_id": [world.foreign_order, f"{world.foreign_order} ", f" {world.foreign_order}",
                     "０" * 16, world.own_order + "0", world.own_order[:-1], "2026112400010001' OR '1'='1",
                     "9" * 16, "-" + world.own_order[1:], "1e16", "../" * 10, world.own_order + "\u200b",
                     "２０２６１０１７０００１０００７", _hostile_text(rng)],
        "kind": ["downgrade", "sla_claim", "REFUND", "refund ", "reviewer_approve", "", "__proto__", _hostile_text(rng)],
        "reason": ["duplicate_payment", "wrong_purchase", "demand_change", "other", "approved", "SERVICE_ISSUE",
                   "service_issue\u0000", _hostile_text(rng)],
        "incident_time": ["2099-01-01 10:00", "1900-01-01 00:00", "0001-01-01", "9999-12-31 23:59", "2026-02-30 10:00",
                          "2026-11-20 25:61", "2026-13-01", "-2026-11-20", "2026-11-20T14:00:00+99:00",
                          "2026-11-20T14:00:00-23:59", "2026年11月20日 99点", "NaN", "1e308", "9" * 40,
                          "2026-11-20 14:00" + "\u202e", "昨天", "2026-11-20\x00 14:00", _hostile_text(rng)],
        "incident_instance": [world.foreign_instance, world.foreign_instance.upper(), "ins-00000000", "ins-../../../",
                              "ins-" + "a" * 100, "INS-S1A2B3C4\u200b", "*", "%", _hostile_text(rng)],
        "description": [_hostile_text(rng), "x", "退" * 2001, "<script>alert(1)</script>" * 10],
        "links": ["javascript:alert(1)", "http://" + "a" * 3000, "file:///etc/passwd", _hostile_text(rng)],
        "spec_code": ["ecs.1c2g", "../../etc", _hostile_text(rng)],
        "draft": [world.foreign_draft, "mail-1", "mail-999999999999999999", "web-" + "0" * 32, "web-../../x",
                  "web-" + "g" * 32, "mail--1", _hostile_text(rng)],
        "time_unknown": ["1", "0", "", "yes"],
        "duplicate_confirmed": ["1", "true", _hostile_text(rng)],
        "step": ["edit", "confirm", _hostile_text(rng)],
    }


def _files(rng: random.Random, world: World) -> List[File]:
    pick = rng.random()
    if pick < 0.15:
        return [("大文件.png", PNG + b"\x00" * (world.max_bytes + 1), "image/png")]
    if pick < 0.3:
        return [(f"截图{n}.png", PNG + bytes([n]), "image/png") for n in range(world.max_files + rng.randint(1, 3))]
    if pick < 0.45:
        return [("截图.png", PROGRAM, "image/png"), ("正常.png", PNG, "image/png")]
    if pick < 0.55:
        return [("空.txt", b"", "text/plain")]
    if pick < 0.65:
        return [("材料.zip", ZIP, "application/zip")]
    name = rng.choice(["../../../../etc/passwd.png", "..\\..\\boot.ini.png", "a" * 5000 + ".png",
                       "\u202egnp.exe", "CON.png", "截图\x00.png", "<img src=x onerror=alert(1)>.png",
                       "'; DROP TABLE uploads; --.png", "", ".png", "😀" * 300 + ".png"])
    return [(name, PNG + bytes([rng.randint(0, 255)]), rng.choice(["image/png", "application/x-msdownload", ""]))]


def _malformed(rng: random.Random) -> Tuple[bytes, str]:
    boundary = "campaign"
    return rng.choice([
        (b"--campaign\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n", f"multipart/form-data; boundary={boundary}"),
        (b"not multipart at all", f"multipart/form-data; boundary={boundary}"),
        (b"--campaign\r\n" + b"X" * 20_000 + b"\r\n--campaign--\r\n", f"multipart/form-data; boundary={boundary}"),
        (b"--campaign--\r\n", "multipart/form-data; boundary=" + "b" * 300),
        (b"order_id=%ZZ%&csrf=", "application/x-www-form-urlencoded"),
        ("&".join(f"f{n}=v" for n in range(5000)).encode(), "application/x-www-form-urlencoded"),
        (bytes(rng.getrandbits(8) for _ in range(512)), "application/octet-stream"),
        (b'{"order_id": "2026101700010007"}', "application/json"),
        (b"", "multipart/form-data"),
    ])


def _probe(rng: random.Random, world: World) -> Probe:
    roll = rng.random()
    values = _values(rng, world)
    if roll < 0.45:  # the application with one to three hostile fields
        fields = base_application(world)
        for name in rng.sample(sorted(values), rng.randint(1, 3)):
            fields[name] = rng.choice(values[name])
        return Probe("field", fields=fields, files=[("截图.png", PNG + bytes([rng.randint(0, 255)]), "image/png")]
                     if rng.random() < 0.3 else [])
    if roll < 0.6:  # hostile uploads with a valid application
        return Probe("upload", fields=base_application(world), files=_files(rng, world))
    if roll < 0.72:  # a confirmation that is not for what is sent: `fields` are the changes made to
        # the application the real confirmation was issued for (the test fills in the rest)
        base = base_application(world)
        confirmation = "real"
        if rng.random() < 0.4:
            confirmation = rng.choice(["", "x", "e30.e30.", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjMTAwMSJ9.", "a" * 5000,
                                       _hostile_text(rng)])
        changes: Dict[str, str] = {}
        if confirmation == "real" or rng.random() < 0.7:
            changed = rng.choice(["order_id", "reason", "incident_time", "incident_instance", "description", "draft"])
            changes[changed] = rng.choice([v for v in values[changed] if v.strip() and v.strip() != base.get(changed)])
        return Probe("confirm", path="/refunds/apply/confirm", fields=changes, confirmation=confirmation)
    if roll < 0.82:  # another customer's ticket, or a made-up one
        ticket = rng.choice([world.foreign_ticket, "RF000000000000", "RF202611050001%00", "..%2F..%2Fconsole",
                             "RF" + "9" * 200])
        action = rng.choice(["supplement", "appeal", "withdraw", "chase"])
        return Probe("ticket", path=f"/refunds/{ticket}/{action}",
                     fields={"text": _hostile_text(rng), "confirm": "1"},
                     files=_files(rng, world) if rng.random() < 0.3 else [])
    if roll < 0.9:  # the order page opened with hostile query values
        query = {"order_id": rng.choice(values["order_id"]), "kind": rng.choice(values["kind"]),
                 "reason": rng.choice(values["reason"]), "mail": rng.choice(["x", "a" * 5000, _hostile_text(rng)])}
        return Probe("query", method="GET", fields=query)
    if roll < 0.93:  # no token, or another page's
        return Probe("csrf", path=rng.choice(["/refunds/apply", "/refunds/apply/confirm"]),
                     fields=base_application(world), csrf=rng.choice(["missing", "wrong"]),
                     files=[("截图.png", PNG, "image/png")] if rng.random() < 0.5 else [])
    if roll < 0.96:  # addresses and methods no page takes
        method, path = rng.choice([("GET", "/refunds/RF202611050001/files/abc"), ("PUT", "/refunds/apply"),
                                   ("DELETE", f"/refunds/{world.foreign_ticket}"), ("GET", "/refunds/apply/confirm"),
                                   ("GET", "/refunds/" + "%ff" * 10), ("POST", "/refunds"),
                                   ("GET", "/refunds/RF202611050001/" + "a" * 300)])
        return Probe("route", method=method, path=path)
    raw, content_type = _malformed(rng)
    return Probe("malformed", path=rng.choice(["/refunds/apply", "/refunds/apply/confirm"]), raw=raw,
                 content_type=content_type)


def generate(seed: int, count: int, world: World) -> List[Probe]:
    """`count` probes, always the same ones for the same seed."""
    rng = random.Random(seed)
    return [_probe(rng, world) for _ in range(count)]
