"""The retention job against real data: Rasa's own SQL tracker store writes the transcripts,
the upload store writes the files, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot.handoff.hours import SupportSettings
from bot.handoff.service import HandoffService
from bot.retention import PURGED_NOTE, main, purge
from bot.security.login_sessions import LoginKind, LoginSessions
from bot.security.tokens import UploadGrant
from bot.storage.schema import HandoffNoteRow, HandoffRow, LoginSessionRow, SurveyRow, TicketEventRow, TicketRow, UploadRow
from bot.storage.seed import demo_order
from bot.uploads.store import UploadStore
from harness.servers import write_support
from tests.conftest import NOW
from tests.widget_client import run  # Playwright may own this thread's event loop

OLD = NOW - timedelta(days=200)
CUTOFF = NOW - timedelta(days=180)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def tracker_store_for(sessions) -> SQLTrackerStore:
    url = sessions.kw["bind"].url
    if url.get_backend_name() == "sqlite":
        return SQLTrackerStore(dialect="sqlite", db=url.database)
    return SQLTrackerStore(dialect="postgresql", host=url.host, port=url.port, db=url.database,
                           username=url.username, query=dict(url.query))


def save_conversation(store: SQLTrackerStore, sender: str, when) -> None:
    stamp = when.timestamp()
    events = [ActionExecuted("action_listen", timestamp=stamp), UserUttered("我的手机号 13812345678", timestamp=stamp),
              BotUttered("好的", timestamp=stamp + 1)]
    run(store.save(DialogueStateTracker.from_events(sender, events)))


def stored_senders(store: SQLTrackerStore):
    return set(run(store.keys()))


def open_ticket(service, conversation_id: str) -> str:
    filing = service.file("c1001", demo_order("in_window").order_id, "demand_change", {},
                          conversation_id=conversation_id)
    return filing.ticket.ticket_id


@pytest.fixture
def world(service, seeded, tmp_path):
    """Old and new conversations, handoffs, surveys and uploads; one old conversation has an open ticket."""
    store = tracker_store_for(seeded)
    save_conversation(store, "old-done", OLD)
    save_conversation(store, "old-open-ticket", OLD)
    save_conversation(store, "recent", NOW - timedelta(days=3))
    ticket_id = open_ticket(service, "old-open-ticket")
    uploads = UploadStore(seeded, tmp_path / "uploads", 1024 * 1024, 10)
    old_file = uploads.save(UploadGrant("c1001", "old-done", None), "a.png", PNG, OLD)
    shared = uploads.save(UploadGrant("c1001", "old-done", None), "b.png", PNG + b"1", OLD)
    uploads.save(UploadGrant("c1001", "recent", None), "b-again.png", PNG + b"1", NOW)
    kept = uploads.save(UploadGrant("c1001", "old-open-ticket", ticket_id), "c.png", PNG + b"2", OLD)
    support = tmp_path / "support.yml"
    write_support(support, override="open")
    handoffs = HandoffService(seeded, SupportSettings(support), clock=lambda: OLD)
    done = handoffs.request("old-done", "c1001", "requested", None, {"customer_said": ["我的身份证 110101199003077777"]})
    with seeded.begin() as db:
        row = db.get(HandoffRow, done.handoff.id)
        row.status, row.callback_phone = "resolved", "13812345678"
        db.add(HandoffNoteRow(handoff_id=row.id, agent_id="a01", text="客户电话 13812345678", created_at=OLD))
        db.add(SurveyRow(conversation_id="old-done", customer_id="c1001", score=2, comment="太慢了", created_at=OLD))
    live = handoffs.request("old-open-ticket", "c1001", "requested", None, {"customer_said": ["还在等"]})
    return {"store": store, "root": tmp_path / "uploads", "uploads": uploads, "old_file": old_file,
            "shared": shared, "kept": kept, "done": done.handoff.id, "live": live.handoff.id, "ticket": ticket_id}


def ticket_snapshot(sessions):
    with sessions() as db:
        tickets = [(t.ticket_id, t.status, t.quoted_amount, t.details) for t in db.scalars(select(TicketRow))]
        events = db.scalar(select(func.count()).select_from(TicketEventRow))
    return tickets, events


def test_old_transcripts_and_files_go_tickets_and_open_work_stay(world, seeded):
    before = ticket_snapshot(seeded)
    report = purge(seeded, world["root"], CUTOFF, seeded.kw["bind"])

    assert stored_senders(world["store"]) == {"old-open-ticket", "recent"}
    assert (report.conversations, report.events) == (1, 3)
    assert not world["uploads"].path_for(world["old_file"].sha256).exists()
    assert world["uploads"].path_for(world["shared"].sha256).exists()  # a recent upload has the same bytes
    assert world["uploads"].path_for(world["kept"].sha256).exists()  # evidence of an open ticket
    with seeded() as db:
        purged = {r.filename for r in db.scalars(select(UploadRow).where(UploadRow.purged_at.is_not(None)))}
        done, live = db.get(HandoffRow, world["done"]), db.get(HandoffRow, world["live"])
        notes = list(db.scalars(select(HandoffNoteRow.text)))
        comments = list(db.scalars(select(SurveyRow.comment)))
    assert purged == {"a.png", "b.png"} and report.files == 1
    assert "customer_said" not in done.summary and done.callback_phone is None and notes == [PURGED_NOTE]
    assert live.summary["customer_said"] == ["还在等"]
    assert comments == [None]
    assert ticket_snapshot(seeded) == before  # tickets and their audit trail untouched


def test_a_second_run_finds_nothing_more(world, seeded):
    purge(seeded, world["root"], CUTOFF, seeded.kw["bind"])
    again = purge(seeded, world["root"], CUTOFF, seeded.kw["bind"])
    assert (again.conversations, again.handoffs, again.notes, again.surveys, again.uploads, again.files) == (0,) * 6


def test_dry_run_counts_but_changes_nothing(world, seeded):
    report = purge(seeded, world["root"], CUTOFF, seeded.kw["bind"], dry_run=True)
    assert (report.conversations, report.uploads, report.handoffs) == (1, 2, 1)
    assert stored_senders(world["store"]) == {"old-done", "old-open-ticket", "recent"}
    assert world["uploads"].path_for(world["old_file"].sha256).exists()
    with seeded() as db:
        assert db.scalar(select(func.count()).select_from(UploadRow).where(UploadRow.purged_at.is_not(None))) == 0
        assert db.get(HandoffRow, world["done"]).summary["customer_said"]


@pytest.mark.parametrize("days", ["0", "-3", "half a year"])
def test_a_bad_retention_period_is_refused_clearly(monkeypatch, capsys, days):
    monkeypatch.setenv("REFUND_RETENTION_DAYS", days)
    assert main([]) == 2
    assert "REFUND_RETENTION_DAYS" in capsys.readouterr().err


def test_expired_logins_go_live_ones_stay(seeded):
    logins = LoginSessions(seeded, clock=lambda: CUTOFF - timedelta(days=1))
    old = logins.start(LoginKind.CUSTOMER, "c1001", timedelta(hours=8))
    recent = LoginSessions(seeded).start(LoginKind.STAFF, "a1", timedelta(hours=8))
    report = purge(seeded, Path("/nonexistent"), CUTOFF)
    with seeded() as db:
        assert db.get(LoginSessionRow, old) is None and db.get(LoginSessionRow, recent) is not None
    assert report.logins == 1
