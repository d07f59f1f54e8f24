"""The whole stack for end-to-end and browser tests: action server, Rasa server and website,
started once per test session on free local ports over a throw-away SQLite database."""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy.orm import sessionmaker

from bot.settings import PROJECT_ROOT, load_settings
from bot.wiring import Services, build_services

# Drawn afresh for every test run (the multi-instance set-up runs as production, which refuses
# any secret ever published); every test process reads them from here, the servers from the
# environment.
TOKEN = "test-rasa-" + secrets.token_hex(12)
JWT_SECRET = "test-jwt-" + secrets.token_hex(20)
ACTION_TOKEN = "test-action-" + secrets.token_hex(12)
ACTION_HEADER = "X-Refund-Action-Token"
# Rasa's request bodies, as scripts/run.sh and the deployment files limit them.
RASA_MAX_BODY = "1048576"
STARTUP_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_model() -> str:
    result = subprocess.run([str(PROJECT_ROOT / "scripts" / "train.sh")], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
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


class Processes:
    """Server processes by name, each with its command and health URL; logs in `workdir`."""

    def __init__(self, workdir: Path, env: Dict[str, str]) -> None:
        self.workdir, self.env = workdir, env
        self.by_name: Dict[str, subprocess.Popen] = {}
        self.commands: Dict[str, Tuple[List[str], str]] = {}
        self.envs: Dict[str, Dict[str, str]] = {}

    def launch(self, name: str, command: List[str], health: str, env: Optional[Dict[str, str]] = None) -> None:
        """Start a service without waiting for it (see `wait`)."""
        self.commands[name] = (command, health)
        self.envs[name] = env or self.env
        log = self.workdir / f"{name}.log"
        self.by_name[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.envs[name],
                                                stdout=log.open("a"), stderr=subprocess.STDOUT)

    def wait(self, *names: str) -> None:
        """Block until the named services (default: all) answer their health URL."""
        for name in names or list(self.by_name):
            wait_for(self.commands[name][1], self.by_name[name], self.workdir / f"{name}.log")

    def running(self, name: str) -> bool:
        return self.by_name[name].poll() is None

    def kill(self, name: str) -> None:
        """Stop one service (fault tests)."""
        self.by_name[name].terminate()
        self.by_name[name].wait(timeout=20)

    def restart(self, name: str) -> None:
        """Start a stopped service again and wait until it answers."""
        command, health = self.commands[name]
        self.launch(name, command, health, self.envs[name])
        self.wait(name)

    def stop(self) -> None:
        for process in self.by_name.values():
            if process.poll() is None:
                process.terminate()
        for process in self.by_name.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Stack:
    """Handles on the running services."""

    workdir: Path
    sessions: sessionmaker
    env: Dict[str, str]
    model: str
    rasa_url: str
    action_url: str
    site_url: str
    endpoints: Path
    support_file: Path
    processes: Processes

    @cached_property
    def services(self) -> Services:
        """The application's services over the stack's database and support hours (to prepare data
        as the servers would: never the real clock's hours, which made tests depend on the time of day)."""
        return build_services(replace(load_settings(), support_file=self.support_file), self.sessions)

    def kill(self, name: str) -> None:
        self.processes.kill(name)

    def restart(self, name: str) -> None:
        self.processes.restart(name)

    def say(self, sender: str, text: str) -> List[Dict]:
        """One turn over the REST channel (development identity: the demo customer)."""
        return rest_turn(self.rasa_url, sender, text)

    def tracker(self, sender: str) -> Dict:
        return read_tracker(self.rasa_url, sender)

    def call_action(self, payload: Dict) -> Dict:
        """POST a raw action request to the action server (as Rasa does, or a retry of it)."""
        request = urllib.request.Request(self.action_url, data=json.dumps(payload).encode("utf-8"),
                                         headers={"Content-Type": "application/json", ACTION_HEADER: ACTION_TOKEN})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))

    def stop(self) -> None:
        self.processes.stop()


def rest_turn(rasa_url: str, sender: str, text: str) -> List[Dict]:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def read_tracker(rasa_url: str, sender: str) -> Dict:
    """The conversation as Rasa's HTTP API returns it."""
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker?token={TOKEN}", timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def rasa_command(model: str, port: int, endpoints: Path) -> List[str]:
    """`rasa run` as the tests (and production) start it."""
    return [str(Path(sys.executable).parent / "rasa"), "run", "--model", model, "--enable-api",
            "--auth-token", TOKEN, "--interface", "127.0.0.1", "--port", str(port),
            "--credentials", "credentials.yml", "--endpoints", str(endpoints)]


def actions_command(port: int) -> List[str]:
    return [sys.executable, "-m", "actions.server", "--port", str(port)]


def write_endpoints(path: Path, action_url: str) -> None:
    """endpoints.yml for a test Rasa: its action server, with the shared secret Rasa sends."""
    path.write_text(f'action_endpoint:\n  url: "{action_url}"\n  enable_selective_domain: true\n  headers:\n'
                    f'    {ACTION_HEADER}: ${{REFUND_ACTION_TOKEN}}\n'
                    'tracker_store:\n  type: bot.channels.tracker_stores.KeepingInMemoryTrackerStore\n',
                    encoding="utf-8")


def write_support(path: Path, override: str = "open", claim_timeout_seconds: int = 600) -> None:
    """Support hours for tests: forced open or closed, so results never depend on the clock."""
    path.write_text(
        "hours: {days: [mon, tue, wed, thu, fri], open: '09:00', close: '18:00', holidays: []}\n"
        f"override: {override}\nclaim_timeout_seconds: {claim_timeout_seconds}\n"
        "average_handling_minutes: 4\nlarge_refund_above: 20000\n", encoding="utf-8")


SERVICES = ("actions", "rasa", "web")


def start_stack(workdir: Path, sessions: sessionmaker, db_url: str,
                overrides: Optional[Dict[str, str]] = None, only: Sequence[str] = SERVICES) -> Stack:
    """Start the action server, Rasa and the website (or `only` some of them); `overrides`
    replace environment values."""
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    write_endpoints(endpoints, f"http://127.0.0.1:{action_port}/webhook")
    site_url, rasa_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{rasa_port}"
    support_file = workdir / "support.yml"
    write_support(support_file)
    env = {**os.environ, "REFUND_DB_URL": db_url, "REFUND_ENV": "development",
           "REFUND_DEMO_CUSTOMER": "c1001", "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(PROJECT_ROOT),
           "RASA_TELEMETRY_ENABLED": "false", "REFUND_JWT_SECRET": JWT_SECRET, "REFUND_RASA_TOKEN": TOKEN,
           "REFUND_ACTION_TOKEN": ACTION_TOKEN, "SANIC_REQUEST_MAX_SIZE": RASA_MAX_BODY,
           "REFUND_RASA_URL": rasa_url, "REFUND_SITE_URL": site_url, "REFUND_WEB_PORT": str(web_port),
           "REFUND_UPLOAD_DIR": str(workdir / "uploads"), "REFUND_MAIL_DIR": str(workdir / "mail"),
           "REFUND_WIDGET_MESSAGE_DELAY_MS": "0",
           "REFUND_SUPPORT_FILE": str(support_file), "REFUND_HANDOFF_SWEEP_SECONDS": "1",
           # Many simulated customers share three demo accounts and one IP: lift the abuse limits
           # here (tests/backoffice and tests/security check the limits themselves).
           "REFUND_MESSAGES_PER_MINUTE": "100000", "REFUND_LOGIN_FAILURES_PER_ACCOUNT": "100000",
           "REFUND_LOGIN_FAILURES_PER_IP": "100000", "REFUND_CONVERSATIONS_PER_10_MINUTES": "100000",
           "REFUND_HANDOFFS_PER_10_MINUTES": "100000", **(overrides or {})}
    processes = Processes(workdir, env)
    stack = Stack(workdir, sessions, env, current_model() if "rasa" in only else "", rasa_url,
                  f"http://127.0.0.1:{action_port}/webhook", site_url, endpoints, support_file, processes)
    try:
        if "actions" in only:
            processes.launch("actions", actions_command(action_port), f"http://127.0.0.1:{action_port}/health")
        if "rasa" in only:
            processes.launch("rasa", rasa_command(stack.model, rasa_port, endpoints), f"{rasa_url}/status?token={TOKEN}")
        if "web" in only:
            processes.launch("web", [sys.executable, "-m", "bot.web"], f"{site_url}/health")
        processes.wait()
    except BaseException:
        stack.stop()
        raise
    return stack


@contextmanager
def sqlite_stack(workdir: Path, overrides: Optional[Dict[str, str]] = None,
                 only: Sequence[str] = SERVICES) -> Iterator[Stack]:
    """The stack (or `only` some of its services) over a new, migrated and seeded SQLite
    database in `workdir`, stopped after."""
    from bot.storage.database import make_engine, session_factory
    from bot.storage.migrations import migrate
    from bot.storage.seed import seed_demo

    db_url = f"sqlite:///{workdir / 'stack.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    seed_demo(session_factory(engine))
    running = start_stack(workdir, session_factory(engine), db_url, overrides, only)
    try:
        yield running
    finally:
        running.stop()
        engine.dispose()


def _login(sessions: sessionmaker, customer_id: str) -> str:
    """A live website login of `customer_id`, as the login form starts it; its id."""
    from bot.security.login_sessions import LoginKind, LoginSessions
    from bot.security.tokens import SESSION_TTL

    return LoginSessions(sessions).start(LoginKind.CUSTOMER, customer_id, SESSION_TTL)


def chat_token(sessions: sessionmaker, customer_id: str) -> str:
    """A chat token as the website issues it to a logged-in customer."""
    from bot.security.tokens import issue_chat_token

    return issue_chat_token(JWT_SECRET, customer_id, _login(sessions, customer_id))


def site_session_cookie(sessions: sessionmaker, customer_id: str) -> str:
    """A `Cookie:` value logged in as `customer_id`, as the website's login would set it."""
    from bot.security.tokens import issue_session_token

    return f"site_session={issue_session_token(JWT_SECRET, customer_id, _login(sessions, customer_id))}"
