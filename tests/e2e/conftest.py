"""A real Rasa server and action server, started once per test session, on a seeded database."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List

import pytest

from bot.settings import PROJECT_ROOT
from bot.storage.database import create_schema, make_engine, session_factory
from bot.storage.seed import seed_demo

TOKEN = "e2e-test-token"
STARTUP_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _current_model() -> str:
    result = subprocess.run([str(PROJECT_ROOT / "scripts" / "train.sh")], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {STARTUP_TIMEOUT}s; see {log}")


class Bot:
    """Talks to the running assistant through the REST channel, like `rasa shell` does."""

    def __init__(self, base_url: str, action_url: str, sessions, endpoints: Path, env: Dict[str, str],
                 model: str) -> None:
        self.base_url = base_url
        self.action_url = action_url
        self.sessions = sessions
        self.endpoints = endpoints
        self.env = env
        self.model = model

    def say(self, sender: str, text: str) -> List[Dict]:
        body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
        request = urllib.request.Request(f"{self.base_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))

    def tracker(self, sender: str) -> Dict:
        url = f"{self.base_url}/conversations/{sender}/tracker?token={TOKEN}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def call_action(self, payload: Dict) -> Dict:
        """POST a raw action request to the action server (as Rasa does, or a retry of it)."""
        request = urllib.request.Request(self.action_url, data=json.dumps(payload).encode("utf-8"),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{workdir / 'e2e.db'}"
    engine = make_engine(db_url)
    create_schema(engine)
    sessions = session_factory(engine)
    action_port, rasa_port = _free_port(), _free_port()
    (workdir / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n', encoding="utf-8")
    env = {**os.environ, "REFUND_DB_URL": db_url, "REFUND_ENV": "development",
           "REFUND_DEMO_CUSTOMER": "c1001", "SANIC_HOST": "127.0.0.1",
           "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    rasa = str(Path(sys.executable).parent / "rasa")
    action_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    actions = subprocess.Popen([rasa, "run", "actions", "--port", str(action_port), "--actions", "actions"],
                               cwd=PROJECT_ROOT, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT)
    model = _current_model()
    server = subprocess.Popen(
        [rasa, "run", "--model", model, "--enable-api", "--auth-token", TOKEN,
         "--interface", "127.0.0.1", "--port", str(rasa_port), "--credentials", "credentials.yml",
         "--endpoints", str(workdir / "endpoints.yml")],
        cwd=PROJECT_ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{action_port}/health", actions, action_log)
        _wait_for(f"http://127.0.0.1:{rasa_port}/status?token={TOKEN}", server, rasa_log)
        yield Bot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}/webhook", sessions,
                  workdir / "endpoints.yml", env, model)
    finally:
        for process in (server, actions):
            process.terminate()
        for process in (server, actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()


@pytest.fixture
def bot(running_bot):
    """The running assistant, with the demo data freshly re-seeded for this test."""
    seed_demo(running_bot.sessions, reset=True)
    return running_bot


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"
