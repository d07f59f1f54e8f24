"""Data retention: purge old conversation transcripts and evidence files; keep tickets and
their audit trail.

Run daily (cron, Kubernetes CronJob): `python -m bot.retention [--days N] [--dry-run]`.
What is older than the retention period (REFUND_RETENTION_DAYS, default 180) goes, unless it
belongs to an open ticket or a live handoff:
* Rasa's stored conversations (the `events` table of the SQL tracker store, in
  REFUND_TRACKER_DB_URL, default the project database) whose last event is that old;
* what customers wrote in handoff summaries, messages and call-back numbers, survey comments
  and agents' notes (the rows stay, anonymised, so statistics still add up);
* uploaded evidence files (the upload row stays with `purged_at` set; the bytes are deleted);
* website and console logins that expired before then.
Tickets, their evidence statements and the ticket audit trail are never touched.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, List, Optional, Set

from sqlalchemy import MetaData, Table, delete, func, inspect, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utcnow
from bot.storage.schema import HandoffNoteRow, HandoffRow, LoginSessionRow, SurveyRow, TicketRow, UploadRow
from bot.uploads.store import remove_abandoned
from bot.vocabulary import LIVE_HANDOFFS, OPEN_STATUSES

logger = logging.getLogger(__name__)
PURGED_NOTE = "（已按数据保留期限清除）"
BATCH = 500


@dataclass
class RetentionReport:
    cutoff: str
    conversations: int = 0
    events: int = 0
    handoffs: int = 0
    notes: int = 0
    surveys: int = 0
    uploads: int = 0
    files: int = 0
    abandoned_files: int = 0  # left in the upload folder by uploads that never finished
    logins: int = 0


def protected_conversations(session: Session) -> Set[str]:
    """Conversations still in use: an open ticket or a handoff that is waiting or active."""
    tickets = session.scalars(select(TicketRow.conversation_id).where(
        TicketRow.status.in_(OPEN_STATUSES), TicketRow.conversation_id.is_not(None)))
    handoffs = session.scalars(select(HandoffRow.conversation_id).where(HandoffRow.status.in_(LIVE_HANDOFFS)))
    return set(tickets) | set(handoffs)


def purge(sessions: sessionmaker, upload_root: Path, cutoff: datetime, tracker_engine: Optional[Engine] = None,
          dry_run: bool = False) -> RetentionReport:
    """Purge everything older than `cutoff` (UTC) as described in the module docstring."""
    report = RetentionReport(cutoff=cutoff.isoformat())
    with sessions() as session:  # one transaction: all of it or (on any error) none of it
        keep = protected_conversations(session)
        _anonymise_handoffs(session, cutoff, keep, report)
        _anonymise_surveys(session, cutoff, report)
        orphaned = _purge_uploads(session, cutoff, report)
        report.logins = session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at < cutoff)).rowcount
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if tracker_engine is not None:
        _purge_transcripts(tracker_engine, cutoff, keep, report, dry_run)
    if not dry_run:
        report.files = _delete_files(upload_root, orphaned)
        report.abandoned_files = remove_abandoned(upload_root, utcnow())
    return report


def _anonymise_handoffs(session: Session, cutoff: datetime, keep: Set[str], report: RetentionReport) -> None:
    rows = session.scalars(select(HandoffRow).where(
        HandoffRow.created_at < cutoff, HandoffRow.status.not_in(LIVE_HANDOFFS))).all()
    for row in rows:
        if row.conversation_id in keep or (row.summary or {}).get("purged"):
            continue
        row.summary = {**{k: v for k, v in (row.summary or {}).items() if k != "customer_said"}, "purged": True}
        row.message = PURGED_NOTE if row.message else None
        row.callback_phone = None
        report.handoffs += 1
        report.notes += session.execute(update(HandoffNoteRow).where(
            HandoffNoteRow.handoff_id == row.id, HandoffNoteRow.text != PURGED_NOTE).values(text=PURGED_NOTE)).rowcount


def _anonymise_surveys(session: Session, cutoff: datetime, report: RetentionReport) -> None:
    report.surveys = session.execute(update(SurveyRow).where(
        SurveyRow.created_at < cutoff, SurveyRow.comment.is_not(None)).values(comment=None)).rowcount


def _purge_uploads(session: Session, cutoff: datetime, report: RetentionReport) -> Set[str]:
    """Mark old uploads purged (not those of open tickets); returns digests no live upload uses."""
    open_tickets = select(TicketRow.ticket_id).where(TicketRow.status.in_(OPEN_STATUSES))
    rows = session.scalars(select(UploadRow).where(
        UploadRow.created_at < cutoff, UploadRow.purged_at.is_(None),
        (UploadRow.ticket_id.is_(None)) | (UploadRow.ticket_id.not_in(open_tickets)))).all()
    now = utcnow()
    for row in rows:
        row.purged_at = now
    report.uploads = len(rows)
    session.flush()
    digests = {row.sha256 for row in rows}
    still_used = set(session.scalars(select(UploadRow.sha256).where(
        UploadRow.sha256.in_(digests), UploadRow.purged_at.is_(None)))) if digests else set()
    return digests - still_used


def _purge_transcripts(engine: Engine, cutoff: datetime, keep: Set[str], report: RetentionReport,
                       dry_run: bool) -> None:
    if "events" not in inspect(engine).get_table_names():
        return  # Rasa keeps its conversations elsewhere (in memory in development)
    events = Table("events", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        stale: List[str] = [sender for sender, last in connection.execute(
            select(events.c.sender_id, func.max(events.c.timestamp)).group_by(events.c.sender_id))
            if last is not None and last < cutoff.timestamp() and sender not in keep]
        report.conversations = len(stale)
        for batch in _chunks(stale, BATCH):
            removed = connection.execute(delete(events).where(events.c.sender_id.in_(batch))).rowcount
            report.events += removed
        if dry_run:
            connection.rollback()
        else:
            connection.commit()


def _delete_files(root: Path, digests: Iterable[str]) -> int:
    deleted = 0
    for digest in digests:
        path = root / digest[:2] / digest
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass  # already gone (an earlier run, or a manual clean-up)
    return deleted


def _chunks(items: List[str], size: int) -> Iterable[List[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def main(argv: Optional[List[str]] = None) -> int:
    from bot.observability.logs import configure_json_logging
    from bot.settings import load_settings
    from bot.storage.database import make_engine
    from bot.storage.migrations import SchemaError
    from bot.wiring import build_sessions

    parser = argparse.ArgumentParser(description="Purge conversations and uploads older than the retention period.")
    parser.add_argument("--days", type=int, help="retention period in days (default REFUND_RETENTION_DAYS or 180)")
    parser.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
    args = parser.parse_args(argv)
    configure_json_logging()
    try:
        settings = load_settings()
        days = args.days if args.days is not None else settings.retention_days
        if days < 1:
            raise ValueError("--days must be at least 1")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sessions = build_sessions(settings)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    tracker_engine = make_engine(settings.tracker_db_url or settings.database_url)
    report = purge(sessions, settings.upload_dir, utcnow() - timedelta(days=days), tracker_engine, args.dry_run)
    logger.info("retention %s: %s", "dry run" if args.dry_run else "done", json.dumps(asdict(report)))
    print(json.dumps(asdict(report), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
