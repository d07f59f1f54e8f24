"""Evidence uploads on SQLite and PostgreSQL: content checks, limits, nothing half-stored."""
from unittest import mock

import pytest
from sqlalchemy import func, select

from bot.security.tokens import UploadGrant
from bot.storage.schema import UploadRow
from bot.uploads.store import UploadRejected, UploadStore, detect_content_type, safe_filename, size_label
from tests.conftest import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
GRANT = UploadGrant("c1001", "conv-1", None)


@pytest.fixture
def store(seeded, tmp_path):
    return UploadStore(seeded, tmp_path / "files", max_bytes=1024, max_files=2)


@pytest.mark.parametrize("data, expected", [
    (PNG, "image/png"), (b"\xff\xd8\xff\xe0rest", "image/jpeg"), (b"%PDF-1.7\n", "application/pdf"),
    (b"GIF89a....", "image/gif"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    ("2026-11-24 20:01 连接超时\n".encode("utf-8"), "text/plain"),
    (b"MZ\x90\x00\x03", None), (b"\x00\x01\x02binary", None), (b"\xff\xfe\xfd not utf8", None),
])
def test_type_is_judged_by_content(data, expected):
    assert detect_content_type(data) == expected


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\a\\shot.png", "shot.png"), (".hidden", "hidden"),
    ("a\x00b\u202e.png", "ab.png"), ("", "未命名文件"), ("长" * 300, "长" * 100),
])
def test_filenames_are_made_safe(name, expected):
    assert safe_filename(name) == expected


def test_file_is_stored_under_its_hash_outside_the_web_root(store):
    saved = store.save(GRANT, "截图.png", PNG, NOW)
    path = store.path_for(saved.sha256)
    assert path.read_bytes() == PNG and path.parent.parent == store.root
    assert [u.filename for u in store.for_conversation("c1001", "conv-1")] == ["截图.png"]
    assert store.for_conversation("c1002", "conv-1") == []


@pytest.mark.parametrize("data, code", [(b"", "empty"), (PNG + b"x" * 2000, "too_large"), (b"MZ\x90\x00", "bad_type")])
def test_bad_files_are_rejected_with_a_reason(store, data, code):
    with pytest.raises(UploadRejected) as rejected:
        store.save(GRANT, "x.png", data, NOW)
    assert rejected.value.code == code and "x.png" in rejected.value.message
    assert not [p for p in store.root.rglob("*") if p.is_file()]


def test_a_limit_under_a_megabyte_is_named_as_it_is(store):
    """A deployment with a small limit: the customer is not told 「0 MB」."""
    with pytest.raises(UploadRejected) as rejected:
        store.save(GRANT, "x.png", PNG + b"x" * 2000, NOW)
    assert "1 KB 的大小限制" in rejected.value.message
    assert [size_label(n) for n in (10 * 1024 * 1024, 1536 * 1024, 512 * 1024, 100)] == \
        ["10 MB", "1.5 MB", "512 KB", "1 KB"]


def test_count_limit_per_application(store):
    store.save(GRANT, "a.png", PNG, NOW)
    store.save(GRANT, "b.txt", b"log line", NOW)
    with pytest.raises(UploadRejected) as rejected:
        store.save(GRANT, "c.png", PNG + b"1", NOW)
    assert rejected.value.code == "too_many"
    # Another conversation has its own allowance.
    store.save(UploadGrant("c1001", "conv-2", None), "c.png", PNG + b"1", NOW)


def test_database_failure_leaves_no_file_behind(store, seeded):
    with mock.patch.object(UploadRow, "__init__", side_effect=RuntimeError("db down")):
        with pytest.raises(RuntimeError):
            store.save(GRANT, "a.png", PNG, NOW)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []
    with seeded() as session:
        assert session.scalar(select(func.count()).select_from(UploadRow)) == 0


def test_per_customer_quota_across_applications(seeded, tmp_path):
    store = UploadStore(seeded, tmp_path / "files", max_bytes=1024, max_files=5, quota_bytes=110)
    store.save(GRANT, "a.png", PNG, NOW)  # 40 bytes
    store.save(UploadGrant("c1001", "conv-2", None), "b.png", PNG + b"1" * 10, NOW)  # 50 bytes
    with pytest.raises(UploadRejected) as rejected:
        store.save(UploadGrant("c1001", "conv-3", None), "c.png", PNG + b"2" * 11, NOW)
    assert rejected.value.code == "quota" and "人工客服" in rejected.value.message
    store.save(UploadGrant("c1002", "conv-9", None), "c.png", PNG + b"2" * 11, NOW)  # others unaffected
    with seeded.begin() as db:  # files the retention job deleted no longer count
        db.get(UploadRow, 1).purged_at = NOW
    store.save(UploadGrant("c1001", "conv-3", None), "c.png", PNG + b"2" * 11, NOW)


def test_a_link_issued_before_filing_belongs_to_the_ticket_filed_next(store, seeded):
    """Its files go to that ticket (not to a later application of the same chat), and the page
    refuses it once that ticket is closed (bot/web/upload_pages.py)."""
    from datetime import timedelta

    from bot.tickets.store import NewTicket, TicketStore

    link = UploadGrant("c1001", "conv-bound", None, issued_at=NOW)
    assert store.bound(link) == link and store.bound(link).ticket_id is None
    tickets = TicketStore(seeded)
    quote = {"rule": "standard", "refund": "10.00"}
    first, _ = tickets.file(NewTicket("c1001", "2026112400010001", "ecs", "demand_change", quote, {},
                                      conversation_id="conv-bound"), NOW + timedelta(minutes=5))
    tickets.file(NewTicket("c1001", "2026092700010002", "ecs", "demand_change", quote, {},
                           conversation_id="conv-bound"), NOW + timedelta(minutes=9))
    assert store.bound(link).ticket_id == first.ticket_id
    later = UploadGrant("c1001", "conv-bound", None, issued_at=NOW + timedelta(minutes=7))
    assert store.bound(later).ticket_id != first.ticket_id  # a newer link: the next application
    assert store.bound(UploadGrant("c1002", "conv-bound", None, issued_at=NOW)).ticket_id is None
    saved = store.save(store.bound(link), "a.png", PNG, NOW + timedelta(minutes=6))
    assert [u.upload_id for u in store.for_ticket("c1001", first.ticket_id)] == [saved.upload_id]
