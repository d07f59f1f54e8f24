"""The deployment's nginx (deploy/nginx/refund.conf.template), run for real in front of a
recording upstream: its access log holds no chat token, Rasa token or upload token, and its
internal Rasa listener passes on only the calls the website makes — not `PUT /model`, training,
deleting conversations or the REST channel, whatever token comes with them."""
from __future__ import annotations

import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Tuple

import pytest

from harness.cluster import NGINX_TEMPLATE, nginx_binary, render_nginx
from harness.servers import free_port

CHAT, RASA, UPLOAD = "chat-token-SECRET-1", "rasa-token-SECRET-2", "upload-token-SECRET-3"


class Recorder(BaseHTTPRequestHandler):
    """An upstream that answers everything and remembers what reached it."""

    seen: List[Tuple[str, str]] = []

    def answer(self) -> None:
        self.seen.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    try:
        binary = nginx_binary()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    workdir = tmp_path_factory.mktemp("nginx-privacy")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    values, ports = {}, {}
    for name in sorted(set(re.findall(r"\$\{(\w+)\}", NGINX_TEMPLATE.read_text(encoding="utf-8")))):
        if name.endswith("_PORT"):
            ports[name] = free_port()
            values[name] = f"127.0.0.1:{ports[name]}"
        elif re.fullmatch(r"REFUND_LB_(WEB|RASA|ACTIONS)_\d", name):
            values[name] = f"127.0.0.1:{upstream.server_port}"
        else:
            raise AssertionError(f"the test does not know what {name} stands for")
    log = workdir / "nginx.log"
    process = subprocess.Popen([binary, "-c", str(render_nginx(workdir, values)), "-p", str(workdir)],
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    public = f"http://127.0.0.1:{ports['REFUND_LB_PUBLIC_PORT']}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(public + "/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield public, f"http://127.0.0.1:{ports['REFUND_LB_RASA_API_PORT']}", log
    finally:
        process.terminate()
        process.wait(timeout=20)
        upstream.shutdown()


def call(url: str, method: str = "GET") -> int:
    request = urllib.request.Request(url, method=method, data=b"{}" if method != "GET" else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


ALLOWED = [("GET", f"/conversations/abc123/tracker?token={RASA}"),
           ("POST", f"/conversations/abc123/tracker/events?output_channel=refund_socket&token={RASA}"),
           ("POST", f"/conversations/abc123/execute?token={RASA}"),
           ("POST", f"/webhooks/refund_socket/agent_typing?token={RASA}")]
REFUSED = [("PUT", f"/model?token={RASA}"), ("POST", f"/model/train?token={RASA}"), ("GET", f"/status?token={RASA}"),
           ("DELETE", f"/conversations/abc123/tracker?token={RASA}"),
           ("PUT", f"/conversations/abc123/tracker/events?token={RASA}"),
           ("POST", f"/conversations/abc123/trigger_intent?token={RASA}"), ("GET", f"/conversations/abc123/story?token={RASA}"),
           ("POST", "/webhooks/rest/webhook"), ("GET", f"/conversations/a/b/tracker?token={RASA}"), ("GET", "/")]


def test_the_internal_rasa_listener_passes_only_the_websites_calls(proxy):
    _, rasa_api, _ = proxy
    Recorder.seen.clear()
    assert [call(rasa_api + path, method) for method, path in ALLOWED] == [200] * len(ALLOWED)
    codes = [call(rasa_api + path, method) for method, path in REFUSED]
    assert all(code in (403, 404) for code in codes), list(zip(REFUSED, codes))
    assert Recorder.seen == ALLOWED  # the token still reaches Rasa, and nothing else did


def test_the_access_log_holds_no_token(proxy):
    public, rasa_api, log = proxy
    assert call(f"{public}/socket.io/?EIO=4&transport=polling&token={CHAT}") == 200
    assert call(f"{public}/upload/{UPLOAD}") == 200
    assert call(f"{public}/mail/link/{UPLOAD}") == 200
    assert call(f"{public}/chat?from=mail") == 200
    for method, path in ALLOWED + REFUSED:
        call(rasa_api + path, method)
    time.sleep(0.5)  # nginx writes its log line after the answer
    written = log.read_text(encoding="utf-8")
    assert '"GET /socket.io/ HTTP/1.1" 200' in written and '"GET /upload/- HTTP/1.1" 200' in written
    assert '"GET /mail/link/- HTTP/1.1" 200' in written
    assert '"PUT /model HTTP/1.1" 404' in written
    for secret in (CHAT, RASA, UPLOAD, "SECRET", "from=mail"):
        assert secret not in written, secret


def test_every_server_logs_with_the_private_format():
    template = NGINX_TEMPLATE.read_text(encoding="utf-8")
    log_format = re.search(r"log_format refund_private (.*?);", template, re.S).group(1)
    for leaky in ("$request ", "$request\"", "$request_uri", "$args", "$query_string", "$http_referer", "$uri"):
        assert leaky not in log_format, leaky
    servers = template.count("server {")
    assert template.count("access_log /dev/stdout refund_private;") == servers
    assert len(re.findall(r"access_log", template)) == servers
