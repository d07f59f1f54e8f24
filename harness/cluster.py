"""The production profile, several instances of everything, for the integration tests:

    nginx (deploy/nginx/refund.conf.template) -> 2 websites, 2 Rasa servers, 2 action servers
    PostgreSQL: our tables and Rasa's conversations (endpoints.prod.yml); Redis: Rasa's
    conversation locks, socket.io rooms, conversation owners and rate limits.

Started once per test session on free local ports, in a database and Redis db of its own.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlsplit

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, session_factory
from bot.storage.migrations import migrate
from bot.storage.seed import seed_demo
from harness.servers import (
    ACTION_TOKEN,
    JWT_SECRET,
    RASA_MAX_BODY,
    TOKEN,
    Processes,
    actions_command,
    current_model,
    free_port,
    read_tracker,
    wait_for,
    write_support,
)

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "refund.conf.template"


@dataclass
class Cluster:
    workdir: Path
    sessions: sessionmaker
    processes: Processes
    public_url: str  # nginx: website and chat socket
    rasa_api_url: str  # nginx: Rasa HTTP API, any instance
    rasa_urls: Dict[str, str]  # each Rasa instance directly, by service name
    web_urls: Dict[str, str]
    support_file: Path
    action_urls: Dict[str, str]  # each action server's webhook directly

    def tracker(self, conversation_id: str, instance: str = "rasa1") -> Dict:
        return read_tracker(self.rasa_urls[instance], conversation_id)

    def stop(self) -> None:
        self.processes.stop()


def envsubst(template: str, values: Dict[str, str]) -> str:
    """What the nginx image does to templates: replace ${NAME} (only), every one known."""
    missing = sorted(set(re.findall(r"\$\{(\w+)\}", template)) - set(values))
    if missing:
        raise KeyError(f"no value for {missing}")
    return re.sub(r"\$\{(\w+)\}", lambda match: values[match.group(1)], template)


# Test clusters: many simulated customers from one address, nobody in front of nginx.
LB_TEST_LIMITS = {"REFUND_LB_REAL_IP_FROM": "unix:", "REFUND_LB_CONNECTIONS_PER_ADDRESS": "60000",
                  "REFUND_LB_REQUESTS_PER_SECOND": "100000", "REFUND_LB_REQUEST_BURST": "100000"}


def render_nginx(workdir: Path, values: Dict[str, str]) -> Path:
    """The deployment's nginx site, rendered for local ports (limits: LB_TEST_LIMITS unless
    `values` has them), inside a minimal main config."""
    site = workdir / "refund.conf"
    site.write_text(envsubst(NGINX_TEMPLATE.read_text(encoding="utf-8"), {**LB_TEST_LIMITS, **values}),
                    encoding="utf-8")
    temp = workdir / "nginx-temp"
    temp.mkdir(exist_ok=True)
    main = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
        f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n"
        f"  include {site};\n}}\n", encoding="utf-8")
    return main


@contextmanager
def nginx_in_front(workdir: Path, upstream: str, values: Optional[Dict[str, str]] = None) -> Iterator[Dict[str, str]]:
    """The deployment's nginx with every upstream server at `upstream` (host:port) and its
    listeners on free local ports; `values` replace template values (limits, trusted fronts).
    Yields each listener's URL by its template name (REFUND_LB_PUBLIC_PORT, ...)."""
    names = set(re.findall(r"\$\{(\w+)\}", NGINX_TEMPLATE.read_text(encoding="utf-8")))
    ports = {name: free_port() for name in names if name.endswith("_PORT")}
    rendered = {**{name: f"127.0.0.1:{port}" for name, port in ports.items()},
                **{name: upstream for name in names if re.fullmatch(r"REFUND_LB_(WEB|RASA|ACTIONS)_\d", name)},
                **(values or {})}
    log = workdir / "nginx.log"
    process = subprocess.Popen([nginx_binary(), "-c", str(render_nginx(workdir, rendered)), "-p", str(workdir)],
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        wait_for(urls["REFUND_LB_PUBLIC_PORT"] + "/health", process, log)
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=20)


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise RuntimeError("nginx is not installed: `apt-get install nginx-light` (.ci/run does this)")
    return found


def create_database() -> str:
    """A new, migrated, seeded PostgreSQL database; returns its URL."""
    name = f"refund_cluster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = str(make_url(POSTGRES_ADMIN_URL).set(database=name))
    engine = make_engine(url)
    migrate(engine)
    seed_demo(session_factory(engine))
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def start_cluster(workdir: Path, db_url: str, instances: int = 2) -> Cluster:
    """Start `instances` (1 or 2) of each service behind nginx; with 1, both upstream entries
    of each service name the same instance (the benchmark's single-instance comparison)."""
    if instances not in (1, 2):
        raise ValueError("instances must be 1 or 2")
    names = {kind: [f"{kind}{n}" for n in range(1, instances + 1)] for kind in ("rasa", "actions", "web")}
    ports = {name: free_port() for name in
             (*sum(names.values(), []), "public", "rasa_api", "actions_lb")}
    public_url = f"http://127.0.0.1:{ports['public']}"
    rasa_api_url = f"http://127.0.0.1:{ports['rasa_api']}"
    support_file = workdir / "support.yml"
    write_support(support_file)
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = make_url(db_url)
    redis_parts = urlsplit(REDIS_URL)
    env = {**os.environ, "REFUND_ENV": "production", "REFUND_DB_URL": db_url, "PYTHONPATH": str(PROJECT_ROOT),
           "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "REFUND_JWT_SECRET": JWT_SECRET, "REFUND_RASA_TOKEN": TOKEN,
           "REFUND_ACTION_TOKEN": ACTION_TOKEN, "SANIC_REQUEST_MAX_SIZE": RASA_MAX_BODY, "REFUND_RASA_URL": rasa_api_url,
           "REFUND_SITE_URL": public_url, "REFUND_PUBLIC_RASA_URL": public_url, "REFUND_TRUSTED_PROXIES": "1",
           "REFUND_UPLOAD_DIR": str(workdir / "uploads"), "REFUND_MAIL_DIR": str(workdir / "mail"),
           "REFUND_SUPPORT_FILE": str(support_file),
           "REFUND_WIDGET_MESSAGE_DELAY_MS": "0", "REFUND_HANDOFF_SWEEP_SECONDS": "1",
           "REFUND_MESSAGES_PER_MINUTE": "100000", "REFUND_LOGIN_FAILURES_PER_ACCOUNT": "100000",
           "REFUND_LOGIN_FAILURES_PER_IP": "100000", "REFUND_CONVERSATIONS_PER_10_MINUTES": "100000",
           "REFUND_HANDOFFS_PER_10_MINUTES": "100000",
           "REFUND_REDIS_URL": REDIS_URL, "REFUND_SOCKETIO_CHANNEL": f"refund-test-{uuid.uuid4().hex[:8]}",
           # endpoints.prod.yml
           "REFUND_ACTION_URL": f"http://127.0.0.1:{ports['actions_lb']}/webhook",
           "REFUND_PG_HOST": db.host, "REFUND_PG_PORT": str(db.port or 5432), "REFUND_PG_DB": db.database,
           "REFUND_PG_USER": db.username or "", "REFUND_PG_PASSWORD": db.password or "",
           "REFUND_REDIS_HOST": redis_parts.hostname, "REFUND_REDIS_PASSWORD": redis_parts.password or "",
           "REFUND_REDIS_PORT": str(redis_parts.port or 6379),
           "REFUND_REDIS_DB": redis_parts.path.strip("/") or "0"}
    processes = Processes(workdir, env)
    model = current_model()
    rasa_bin = str(Path(sys.executable).parent / "rasa")
    cluster = Cluster(workdir, session_factory(make_engine(db_url)), processes, public_url, rasa_api_url,
                      {n: f"http://127.0.0.1:{ports[n]}" for n in names["rasa"]},
                      {n: f"http://127.0.0.1:{ports[n]}" for n in names["web"]}, support_file,
                      {n: f"http://127.0.0.1:{ports[n]}/webhook" for n in names["actions"]})
    try:
        for name in names["actions"]:
            processes.launch(name, actions_command(ports[name]), f"http://127.0.0.1:{ports[name]}/ready")
        for name in names["rasa"]:
            processes.launch(name, [rasa_bin, "run", "--model", model, "--enable-api", "--auth-token", TOKEN,
                                   "--interface", "127.0.0.1", "--port", str(ports[name]),
                                   "--credentials", "credentials.prod.yml", "--endpoints", "endpoints.prod.yml"],
                            f"http://127.0.0.1:{ports[name]}/webhooks/refund_socket/ready")
        for name in names["web"]:
            processes.launch(name, [sys.executable, "-m", "bot.web"], f"http://127.0.0.1:{ports[name]}/ready",
                            env={**env, "REFUND_WEB_PORT": str(ports[name])})
        upstreams = {f"REFUND_LB_{kind.upper()}_{n}": f"127.0.0.1:{ports[names[kind][(n - 1) % instances]]}"
                     for kind in names for n in (1, 2)}
        nginx_conf = render_nginx(workdir, {
            **upstreams, "REFUND_LB_PUBLIC_PORT": f"127.0.0.1:{ports['public']}",
            "REFUND_LB_RASA_API_PORT": f"127.0.0.1:{ports['rasa_api']}",
            "REFUND_LB_ACTIONS_PORT": f"127.0.0.1:{ports['actions_lb']}"})
        processes.launch("nginx", [nginx_binary(), "-c", str(nginx_conf), "-p", str(workdir)], f"{public_url}/health")
        processes.wait()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def instance_counts(cluster: Cluster, outcome: str = "answered") -> List[float]:
    """Messages each Rasa instance has answered so far (from its Prometheus metrics)."""
    counts = []
    for url in cluster.rasa_urls.values():
        with urllib.request.urlopen(f"{url}/webhooks/refund_socket/metrics", timeout=10) as response:
            body = response.read().decode("utf-8")
        prefix = f'refund_messages_total{{outcome="{outcome}"}}'
        line = next((row for row in body.splitlines() if row.startswith(prefix)), None)
        counts.append(float(line.split()[-1]) if line else 0.0)
    return counts
