"""What the deployment files set for addresses and limits (issue 27, MEDIUM 4, 6 and LOW 15):
which address the services take for the client behind the deployment's nginx, nginx's
connection and request limits per address, and Redis' memory cap.

The nginx template runs for real with the values each manifest gives it, in front of an
upstream that records the X-Forwarded-For it receives; the services' own rule
(bot.settings.client_address) is applied to it with the manifest's REFUND_TRUSTED_PROXIES."""
from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple

import pytest
import yaml

from bot.settings import PROJECT_ROOT, client_address
from harness.cluster import nginx_binary, nginx_in_front

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
K8S = [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "refund.yaml").read_text(encoding="utf-8")) if doc]
FORGED = "203.0.113.7"


def k8s(kind: str, name: str) -> Dict:
    return next(d for d in K8S if d["kind"] == kind and d["metadata"]["name"] == name)


def manifest_values(manifest: str) -> Tuple[Dict[str, str], int]:
    """(nginx's limit and front-proxy values, the services' REFUND_TRUSTED_PROXIES) of a manifest."""
    if manifest == "compose":
        nginx = {k: str(v) for k, v in COMPOSE["services"]["nginx"]["environment"].items()}
        trusted = COMPOSE["x-env"]["REFUND_TRUSTED_PROXIES"]
    else:
        container = k8s("Deployment", "nginx")["spec"]["template"]["spec"]["containers"][0]
        nginx = {e["name"]: e["value"] for e in container["env"]}
        trusted = k8s("ConfigMap", "refund-config")["data"]["REFUND_TRUSTED_PROXIES"]
    limits = {k: v for k, v in nginx.items() if not re.fullmatch(r"REFUND_LB_(WEB|RASA|ACTIONS)_\d|REFUND_LB_\w+_PORT", k)}
    return limits, int(trusted)


class Upstream(BaseHTTPRequestHandler):
    """Answers everything (after `delay` seconds on /slow) and records who it heard from."""

    seen: List[Tuple[str, str]] = []  # (peer, X-Forwarded-For)

    def do_GET(self) -> None:
        self.seen.append((self.client_address[0], self.headers.get("X-Forwarded-For", "")))
        if self.path.startswith("/slow"):
            time.sleep(2)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def upstream():
    try:
        nginx_binary()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


def get(url: str, headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize("manifest", ["compose", "k8s"])
def test_a_forged_forwarded_for_is_never_taken_for_the_client(manifest, upstream, tmp_path):
    """80 failed logins with a forged header were never limited (REFUND_TRUSTED_PROXIES=2 behind
    the one nginx): the services must see the address nginx saw, whatever the client claims."""
    limits, trusted = manifest_values(manifest)
    with nginx_in_front(tmp_path, upstream, limits) as urls:
        Upstream.seen.clear()
        assert get(urls["REFUND_LB_PUBLIC_PORT"] + "/login", {"X-Forwarded-For": f"{FORGED}, 198.51.100.1"})[0] == 200
    peer, forwarded = Upstream.seen[-1]
    assert FORGED not in forwarded
    assert client_address(peer, forwarded, trusted) == "127.0.0.1"


def test_a_proxy_in_front_of_nginx_is_believed_only_once_named(upstream, tmp_path):
    """Behind a CDN or layer-7 balancer the operator names its addresses to nginx
    (REFUND_LB_REAL_IP_FROM); the services still trust one hop."""
    with nginx_in_front(tmp_path, upstream, {"REFUND_LB_REAL_IP_FROM": "127.0.0.1"}) as urls:
        Upstream.seen.clear()
        get(urls["REFUND_LB_PUBLIC_PORT"] + "/", {"X-Forwarded-For": "198.51.100.9"})
    peer, forwarded = Upstream.seen[-1]
    assert client_address(peer, forwarded, manifest_values("k8s")[1]) == "198.51.100.9"


def test_connections_and_requests_per_address_are_limited_with_a_chinese_page(upstream, tmp_path):
    """~500 idle chat sockets from one address were held open; now each address has a share."""
    small = {"REFUND_LB_CONNECTIONS_PER_ADDRESS": "3", "REFUND_LB_REQUESTS_PER_SECOND": "5",
             "REFUND_LB_REQUEST_BURST": "20"}
    with nginx_in_front(tmp_path, upstream, small) as urls:
        public = urls["REFUND_LB_PUBLIC_PORT"]
        with ThreadPoolExecutor(6) as pool:
            held = list(pool.map(lambda n: get(f"{public}/slow?{n}"), range(6)))
        time.sleep(1.5)  # the request budget refills
        burst = [get(f"{public}/chat?{n}") for n in range(40)]
    assert sorted(code for code, _ in held) == [200, 200, 200, 429, 429, 429]
    codes = [code for code, _ in burst]
    assert 200 in codes and 429 in codes
    refused = next(page for code, page in held + burst if code == 429)
    assert "访问有点频繁" in refused and "请稍等半分钟再刷新页面" in refused


@pytest.mark.parametrize("manifest", ["compose", "k8s"])
def test_deployed_limits_leave_room_for_an_office_behind_one_address(manifest):
    limits, trusted = manifest_values(manifest)
    assert trusted == 1 and limits["REFUND_LB_REAL_IP_FROM"] == "unix:"
    assert int(limits["REFUND_LB_CONNECTIONS_PER_ADDRESS"]) >= 20
    assert int(limits["REFUND_LB_REQUESTS_PER_SECOND"]) >= 5 and int(limits["REFUND_LB_REQUEST_BURST"]) >= 30


def test_the_kubernetes_balancer_keeps_client_addresses():
    """Otherwise nginx sees a node's address for everyone, and everyone shares one allowance."""
    assert k8s("Service", "nginx")["spec"]["externalTrafficPolicy"] == "Local"


def redis_command(manifest: str) -> str:
    if manifest == "compose":
        return " ".join(COMPOSE["services"]["redis"]["command"])
    return " ".join(k8s("Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]["command"])


@pytest.mark.parametrize("manifest", ["compose", "k8s"])
def test_redis_memory_is_capped_and_only_expiring_keys_are_evicted(manifest):
    """Anyone could fill Redis with conversation keys and it had no cap. Every key the services
    write expires except conversation locks (deleted when released), so volatile-lru can free
    memory without touching a lock (tests/security/test_guest_limits.py checks the expiries)."""
    command = redis_command(manifest)
    cap = re.search(r"--maxmemory (\d+)mb", command)
    assert cap and "--maxmemory-policy volatile-lru" in command
    if manifest == "k8s":
        limit = k8s("Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
        assert int(limit.rstrip("Mi")) >= int(cap.group(1)) * 1.25  # room for fragmentation and rewrites
