"""Evidence uploads are read as they arrive (issue 27, HIGH 3: the route read the whole body, up
to 101 MB, into memory before checking CSRF, the rate limit or the files; three at once took a
website process to 577 MiB).

Against the real website process: several 50 MB uploads at once, refused for each reason there
is (declared too large, the page's token missing or wrong in the header or in the form, too many
uploads, one file over 10 MB) or accepted (five files of 9.5 MB), and one cut off half-way. The
website's peak memory (VmHWM) must stay flat, every refusal must come before the body was sent,
and the upload folder must hold only whole files, each under its own SHA-256, and nothing else."""
from __future__ import annotations

import hashlib
import re
import select
import socket
import threading
import time
import urllib.request
import uuid
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select as sql_select

from bot.security.tokens import UploadGrant, issue_upload_token
from bot.storage.schema import UploadRow
from harness.servers import JWT_SECRET, site_session_cookie, sqlite_stack

MB = 1024 * 1024
CHUNK = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
FLAT_MB = 40  # what the peak may grow by while all of it runs (the old route: 50 MB per upload)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with sqlite_stack(tmp_path_factory.mktemp("uploads"), overrides={"REFUND_UPLOADS_PER_10_MINUTES": "3"},
                      only=("web",)) as stack:
        yield stack


class UploadForm:
    """A customer's browser on the upload page of a fresh link: its cookies and the page's token."""

    def __init__(self, site, customer: str) -> None:
        self.url = urlsplit(site.site_url)
        self.path = f"/upload/{issue_upload_token(JWT_SECRET, UploadGrant(customer, f'conv-{uuid.uuid4().hex}', None))}"
        session = site_session_cookie(site.sessions, customer)
        with urllib.request.urlopen(urllib.request.Request(site.site_url + self.path,
                                                           headers={"Cookie": session})) as response:
            page = response.read().decode()
            nonce = re.search(r"csrf=([^;]+)", response.headers["Set-Cookie"]).group(1)
        self.cookie = f"{session}; csrf={nonce}"
        self.token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    def post(self, parts: Iterator[bytes], length: int, boundary: str,
             headers: Optional[Dict[str, str]] = None, cut_after: Optional[int] = None) -> Tuple[int, str, int]:
        """Send the body chunk by chunk, stopping as soon as the server answers (or after
        `cut_after` bytes, closing the connection); (status, page, bytes of body sent)."""
        head = [f"POST {self.path} HTTP/1.1", f"Host: {self.url.netloc}", f"Content-Length: {length}",
                f"Content-Type: multipart/form-data; boundary={boundary}", f"Cookie: {self.cookie}",
                *(f"{k}: {v}" for k, v in (headers or {}).items())]
        sent = 0
        with socket.create_connection((self.url.hostname, self.url.port), timeout=120) as sock:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            for chunk in parts:
                if select.select([sock], [], [], 0)[0] or (cut_after is not None and sent >= cut_after):
                    break
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
            if cut_after is not None:
                return 0, "", sent
            return (*_response(sock), sent)


def _response(sock: socket.socket) -> Tuple[int, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return int(head.split()[1]), body.decode("utf-8", "replace")


def multipart(boundary: str, fields: List[Tuple[str, str]], files: List[Tuple[str, bytes, int]]) -> Tuple[Iterator[bytes], int]:
    """A body of `fields`, then `files` (name, first bytes, size: the rest is filler), streamed."""
    pieces: List[object] = []
    for name, value in fields:
        pieces.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
    for filename, start, size in files:
        pieces.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
                      f"Content-Type: application/octet-stream\r\n\r\n".encode())
        pieces.append((start, size))
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    length = sum(len(p) if isinstance(p, bytes) else p[1] for p in pieces)

    def chunks() -> Iterator[bytes]:
        for piece in pieces:
            if isinstance(piece, bytes):
                yield piece
                continue
            start, size = piece
            yield start
            filler = (start[-1:] or b"a") * CHUNK
            left = size - len(start)
            while left > 0:
                yield filler[:min(left, CHUNK)]
                left -= CHUNK
    return chunks(), length


def peak_mb(pid: int) -> float:
    status = open(f"/proc/{pid}/status", encoding="utf-8").read()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_big_uploads_keep_the_website_memory_flat_and_leave_only_whole_files(site):
    web = site.processes.by_name["web"]
    forms = {name: UploadForm(site, customer) for name, customer in
             [("declared", "c1001"), ("form token", "c1001"), ("header token", "c1002"), ("one file too big", "c1002"),
              ("accepted", "c1003"), ("cut off", "c1003"), ("too often", "c1004")]}
    for _ in range(3):  # c1004 spends its allowance (3 uploads in 10 minutes)
        body, length = multipart("b", [("csrf", forms["too often"].token)], [("a.png", PNG + b"small", 64)])
        assert forms["too often"].post(body, length, "b")[0] == 200
    baseline = peak_mb(web.pid)
    big = [("evidence.log", b"log ", 50 * MB)]
    runs = {
        "declared": lambda f: f.post(iter([b"x" * CHUNK] * 600), 150 * MB, "b"),
        "form token": lambda f: f.post(*multipart("b", [("csrf", "forged")], big), "b"),
        "header token": lambda f: f.post(*multipart("b", [], big), "b", headers={"X-CSRF-Token": "forged"}),
        "too often": lambda f: f.post(*multipart("b", [("csrf", f.token)], big), "b"),
        "one file too big": lambda f: f.post(*multipart("b", [("csrf", f.token)], big), "b"),
        "accepted": lambda f: f.post(*multipart("b", [], [(f"shot{i}.png", PNG + bytes([i]), int(9.5 * MB))
                                                        for i in range(5)]), "b", headers={"X-CSRF-Token": f.token}),
        "cut off": lambda f: f.post(*multipart("b", [("csrf", f.token)], big), "b", cut_after=20 * MB),
    }
    results: Dict[str, Tuple[int, str, int]] = {}
    threads = [threading.Thread(target=lambda n=name: results.__setitem__(n, runs[n](forms[n]))) for name in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    grown = peak_mb(web.pid) - baseline
    assert grown < FLAT_MB, f"the website's peak memory grew by {grown:.0f} MB"
    status = {name: code for name, (code, _, _) in results.items()}
    assert status == {"declared": 413, "form token": 400, "header token": 400, "too often": 429,
                      "one file too big": 400, "accepted": 200, "cut off": 0}, status
    # Refused before the files: the server answered while most of the 50 MB was still unsent.
    for name in ("declared", "form token", "header token", "too often"):
        assert results[name][2] < 20 * MB, (name, results[name][2])
    assert "上传内容过大" in results["declared"][1]
    assert "页面已过期" in results["form token"][1] and "页面已过期" in results["header token"][1]
    assert "上传过于频繁" in results["too often"][1]
    assert "超过了 10 MB" in results["one file too big"][1]
    assert "已收到 5 个文件" in results["accepted"][1]
    assert_only_whole_files(site)


def assert_only_whole_files(site) -> None:
    root = site.workdir / "uploads"
    deadline = time.monotonic() + 10  # a cut-off upload is cleaned up as its connection closes
    while any((root / "incoming").glob(".upload-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    with site.sessions() as db:
        recorded = {row.sha256: row.size for row in db.scalars(sql_select(UploadRow))}
    stored = {path.name: path for path in root.rglob("*") if path.is_file()}
    assert set(stored) == set(recorded)  # nothing in incoming/, nothing half-written
    for digest, path in stored.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest and path.stat().st_size == recorded[digest]


def test_a_body_that_is_not_the_page_form_is_refused_in_chinese(site):
    form = UploadForm(site, "c1001")
    status, page, _ = form.post(iter([b"not a multipart body at all"]), 27, "b", headers={"X-CSRF-Token": form.token})
    assert status == 400 and "上传没有完成" in page
    body, length = multipart("b", [("csrf", form.token)], [(f"f{i}.txt", b"log", 10) for i in range(20)])
    status, page, _ = form.post(body, length, "b")
    assert status == 413 and "一次最多 10 个文件" in page  # far more parts than the form sends
    body, length = multipart("b", [("csrf", form.token)], [(f"f{i}.txt", b"log %d" % i, 10) for i in range(11)])
    status, page, _ = form.post(body, length, "b")
    assert status == 200 and "已收到 10 个文件" in page and "多出的文件没有上传" in page
    assert_only_whole_files(site)
