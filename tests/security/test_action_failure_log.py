"""A failed action does not put the conversation, or its signed identity claims, into any log:
our action server (started with a database it cannot reach, so the action raises) answers the
failure without echoing the request, and Rasa's own error for the call — logged by its
processor with the traceback, through our JSON formatter — says only the status."""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import io
import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils import endpoints
from rasa.utils.endpoints import EndpointConfig

from bot.channels import action_errors
from bot.observability.logs import JsonFormatter
from bot.security.identity import IDENTITY_KEY, sign_identity
from bot.settings import PROJECT_ROOT
from harness.servers import ACTION_HEADER, ACTION_TOKEN, JWT_SECRET, actions_command, free_port, wait_for

EXPECTED_ORIGINAL = "19356f77dd9a19b69873901bc7ab7d0c273f5ba13c576d57b69f74118e51f669"  # Rasa 3.6.21's constructor
SAID = "我的手机号13812345678，身份证110101199003071234，退款到哪了"


def start_failing(workdir, command, port: int):
    """An action server over a database it cannot reach: every action that reads it raises."""
    env = {**os.environ, "REFUND_ENV": "development", "PYTHONPATH": str(PROJECT_ROOT), "REFUND_JWT_SECRET": JWT_SECRET,
           "REFUND_ACTION_TOKEN": ACTION_TOKEN, "REFUND_DB_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"}
    log = workdir / "actions.log"
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_for(f"http://127.0.0.1:{port}/health", process, log)
    return process, log


def failing_server(kind: str, tmp_path_factory):
    """Our action server, or rasa-sdk's stock one (which answers a failure with the whole
    request), over a database it cannot reach; yields its webhook URL and its log."""
    port = free_port()
    command = actions_command(port) if kind == "ours" else [
        sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    process, log = start_failing(tmp_path_factory.mktemp("failing-actions"), command, port)
    try:
        yield f"http://127.0.0.1:{port}/webhook", log
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module", params=["ours", "stock rasa-sdk"])
def failing_actions(request, tmp_path_factory):
    """Rasa's log must stay clean whichever action server answered."""
    yield from failing_server(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    yield from failing_server("ours", tmp_path_factory)


def conversation() -> DialogueStateTracker:
    claim = sign_identity(JWT_SECRET, "failing-conversation", "c1001", "refund_socket")
    return DialogueStateTracker.from_events("failing-conversation", [
        UserUttered(SAID, {"name": "ask_refund_status", "confidence": 1.0}, metadata=claim)])


def secrets_in(text: str, tracker: DialogueStateTracker) -> list:
    claim = tracker.latest_message.metadata[IDENTITY_KEY]
    return [s for s in (claim, claim.split(".")[1], "13812345678", "110101199003071234", "退款到哪了") if s in text]


def test_our_action_server_does_not_echo_the_conversation(ours):
    url, log = ours
    tracker = conversation()
    body = {"next_action": "action_refund_status", "sender_id": tracker.sender_id, "version": "3.6.2", "domain": {},
            "tracker": tracker.current_state()}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", ACTION_HEADER: ACTION_TOKEN})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=30)
    answer = failed.value.read().decode()
    assert failed.value.code == 500 and "request_body" not in answer and not secrets_in(answer, tracker), answer
    written = log.read_text(encoding="utf-8")
    assert "action action_refund_status failed" in written and not secrets_in(written, tracker)


def test_rasa_logs_the_failed_call_without_the_conversation(failing_actions):
    action_errors.install()  # as every Rasa server process does through our channels
    url, _ = failing_actions
    tracker = conversation()
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    action = RemoteAction("action_refund_status", EndpointConfig(url, headers={ACTION_HEADER: ACTION_TOKEN}))
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    processor_log = logging.getLogger("rasa.core.processor")
    processor_log.addHandler(handler)
    # Earlier tests in the same process may have configured Rasa's logging (a dictConfig disables
    # existing loggers, a level may be raised): this test reads what the processor logs.
    was = (processor_log.disabled, processor_log.level, logging.root.manager.disable)
    processor_log.disabled, processor_log.level = False, logging.ERROR
    logging.disable(logging.NOTSET)
    try:
        try:
            # In a thread of its own: an earlier test in this process may have left an event loop
            # running in this one (asyncio.run refuses to start inside it).
            with ThreadPoolExecutor(max_workers=1) as thread:
                thread.submit(asyncio.run, action.run(CollectingOutputChannel(),
                                                      TemplatedNaturalLanguageGenerator(domain.responses),
                                                      tracker, domain)).result()
            pytest.fail("the action should have failed")
        except Exception:  # what rasa.core.processor does with it
            processor_log.exception("Encountered an exception while running action 'action_refund_status'.")
    finally:
        processor_log.removeHandler(handler)
        processor_log.disabled, processor_log.level = was[0], was[1]
        logging.disable(was[2])
    written = out.getvalue()
    assert "500" in written and "not logged" in written and not secrets_in(written, tracker), written


def test_a_rejection_is_still_read_from_the_body():
    action_errors.install()
    error = endpoints.ClientResponseError(400, "Bad Request", '{"action_name": "x", "error": "no"}')
    assert json.loads(error.text)["action_name"] == "x" and "no" not in str(error).split("body")[0]


def test_installed_by_the_channels_and_rasa_unchanged():
    import bot.channels.refund_socket  # noqa: F401  (Rasa imports it in every server process)

    assert endpoints.ClientResponseError.__init__ is action_errors.client_response_error_init
    assert rasa.__version__ == "3.6.21"
    digest = hashlib.sha256(inspect.getsource(action_errors.RASA_ORIGINAL).encode()).hexdigest()
    assert digest == EXPECTED_ORIGINAL, digest
    assert "raise ClientResponseError(" in inspect.getsource(EndpointConfig.request)
    assert "await response.content.read()" in inspect.getsource(EndpointConfig.request)

