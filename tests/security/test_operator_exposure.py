"""What operators see: the masked dashboard and review inbox, never full conversations or
evidence files unless granted (`make staff ARGS='grant ID transcripts'`), through the running
website; and nothing a customer typed becomes Rasa markup in the NLU training export."""
from __future__ import annotations

import json

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.clock import utcnow
from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.nlu.review_inbox import ReviewInbox
from bot.security.tokens import UploadGrant
from bot.uploads.store import UploadStore
from harness.servers import write_support
from tests.conftest import website
from tests.security.test_authorization_matrix import Visitor

GRANT_NEEDED = "会话查阅"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("operators")
    with website("sqlite", workdir, {}) as (url, sessions):
        write_support(workdir / "support.yml")
        handoff = HandoffService(sessions, SupportSettings(workdir / "support.yml")).request(
            "operator-conversation", "c1001", "requested", None, {"customer_said": ["我的手机号是 13812345678"]})
        upload = UploadStore(sessions, workdir / "uploads", 1024 * 1024, 10).save(
            UploadGrant("c1001", "operator-conversation", None), "身份证.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
            utcnow())
        yield url, sessions, {"handoff": handoff.handoff.id, "upload": upload.upload_id}


def console_as(url: str, staff_id: str) -> tuple:
    visitor = Visitor(url, "guest")
    visitor.request("GET", "/console/login")
    status, _, headers = visitor.request("POST", "/console/login", form={
        "staff_id": staff_id, "password": "staff123", "csrf": visitor.csrf("/console")})
    assert status == 302
    return visitor, headers["Location"]


def conversation_paths(ids: dict) -> list:
    return ["/console", "/console/history", f"/console/handoffs/{ids['handoff']}", "/console/api/queue",
            f"/console/api/handoffs/{ids['handoff']}", f"/console/uploads/{ids['upload']}", "/console/api/stream"]


def test_an_operator_sees_figures_but_no_conversation_or_evidence_file(site):
    url, _, ids = site
    operator, landing = console_as(url, "o1")
    assert landing == "/console/dashboard"
    status, page, _ = operator.request("GET", "/console/dashboard")
    assert status == 200 and 'href="/console/history"' not in page and 'href="/console">' not in page
    for path in conversation_paths(ids):
        status, body, _ = operator.request("GET", path)
        body = json.loads(body)["error"] if body.startswith("{") else body
        assert status == 403 and GRANT_NEEDED in body, path
        assert "13812345678" not in body and "PNG" not in body
    assert operator.request("GET", "/console/nlu")[0] == 200


def test_the_transcripts_grant_opens_them_and_taking_it_back_closes_them(site, staff_cli):
    url, sessions, ids = site
    granted, landing = console_as(url, "o2")
    assert landing == "/console"
    assert all(granted.request("GET", path)[0] == 200 for path in conversation_paths(ids))
    operator, _ = console_as(url, "o1")
    assert staff_cli(sessions, "grant", "o1", "transcripts")[0] == 0
    assert operator.request("GET", f"/console/uploads/{ids['upload']}")[0] == 200
    assert staff_cli(sessions, "revoke-grant", "o1", "transcripts")[0] == 0
    assert operator.request("GET", f"/console/uploads/{ids['upload']}")[0] == 403


@pytest.mark.parametrize("typed, plain", [
    ("我是[c1002](customer_id)的家人", "我是c1002的家人"),
    ('帮我查[c1002]{"entity": "customer_id"}的单', "帮我查c1002的单"),
    ('退[云主机][{"entity": "product"}, {"entity": "customer_id", "value": "c1002"}]这单', "退云主机这单"),
    ("[[张伟](customer_name)](customer_id)退款", "张伟退款"),
    ('钱呢 /request_refund{"customer_id": "c1002"}', "钱呢"),
    ("我的订单[c1002](customer_id:c1001)", "我的订单c1002"),
])
def test_customer_written_annotations_never_reach_the_training_export(sessions, typed, plain):
    inbox = ReviewInbox(sessions)
    assert inbox.record(typed, "nlu_fallback", 0.1)
    inbox.label(inbox.items()[0].id, "ask_refund_status", "o1")
    data = RasaYAMLReader().reads(inbox.export(set()))
    assert [(m.get("intent"), m.get("text"), m.get("entities")) for m in data.intent_examples] == [
        ("ask_refund_status", plain, None)]


def test_the_export_route_serves_the_stripped_file(site):
    url, sessions, _ = site
    inbox = ReviewInbox(sessions)
    inbox.record("查一下[c1003](customer_id)的退款", "nlu_fallback", 0.1)
    item = next(i for i in inbox.items() if "c1003" in i.text)
    inbox.label(item.id, "ask_refund_status", "o1")
    operator, _ = console_as(url, "o1")
    status, exported, _ = operator.request("GET", "/console/nlu/export.yml")
    assert status == 200 and "查一下c1003的退款" in exported and "](" not in exported
