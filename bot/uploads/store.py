"""Store evidence files safely: checked by content, limited in size and count, kept outside any
web root under their SHA-256, recorded with their owner. A failure leaves nothing behind."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.security.tokens import UploadGrant
from bot.storage.schema import TicketRow, UploadRow

# (magic prefix, content type); text logs are recognised separately.
SIGNATURES: List[Tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
# The extension a download of each accepted type gets, whatever the customer named the file.
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "application/pdf": ".pdf", "text/plain": ".txt"}
ALLOWED_DESCRIPTION = "PNG/JPEG/GIF/WebP 图片、PDF 文档或纯文本日志（.txt/.log）"
# What the browser's file picker offers (the content is still checked on upload).
ACCEPTED_EXTENSIONS = ".png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.log"


class UploadRejected(ValueError):
    """A file that is not accepted; `message` is the Chinese explanation for the customer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UploadsRejected(ValueError):
    """Some files of a set sent together were not accepted: none of the set was stored;
    `messages` says what was wrong with each (Chinese, for the customer)."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class StoredUpload:
    upload_id: int
    filename: str
    content_type: str
    size: int
    sha256: str


def detect_content_type(data: bytes) -> Optional[str]:
    """The content type judged from the bytes themselves (never from the name or header)."""
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            return None
    return None


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or excessive length."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return (cleaned or "未命名文件")[:100]


class UploadStore:
    def __init__(self, sessions: sessionmaker, root: Path, max_bytes: int, max_files: int,
                 quota_bytes: int = 200 * 1024 * 1024) -> None:
        self._sessions = sessions
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.quota_bytes = quota_bytes  # all of one customer's stored files together

    def check(self, filename: str, data: bytes) -> str:
        """The file's content type, judged by its bytes; UploadRejected when it is empty, too
        large or of a type we do not accept."""
        if not data:
            raise UploadRejected("empty", f"「{safe_filename(filename)}」是空文件。")
        if len(data) > self.max_bytes:
            limit_mb = self.max_bytes // (1024 * 1024)
            raise UploadRejected("too_large", f"「{safe_filename(filename)}」超过了 {limit_mb} MB 的大小限制。")
        content_type = detect_content_type(data)
        if content_type is None:
            raise UploadRejected("bad_type", f"「{safe_filename(filename)}」的文件类型不支持，请上传{ALLOWED_DESCRIPTION}。")
        return content_type

    def save(self, grant: UploadGrant, filename: str, data: bytes, now: datetime) -> StoredUpload:
        """Check and store one file for the grant's customer and conversation."""
        content_type = self.check(filename, data)
        digest = hashlib.sha256(data).hexdigest()
        with self._sessions.begin() as session:
            if self._count(session, grant) >= self.max_files:
                raise UploadRejected("too_many", self._too_many())
            if self._stored_bytes(session, grant.customer_id) + len(data) > self.quota_bytes:
                raise UploadRejected("quota", self._over_quota())
            created_file = self._write(digest, data)
            try:
                row = self._row(grant, filename, content_type, data, digest, now)
                session.add(row)
                session.flush()
            except Exception:
                if created_file:
                    self.path_for(digest).unlink(missing_ok=True)
                raise
            return StoredUpload(row.id, row.filename, content_type, len(data), digest)

    def save_all(self, grant: UploadGrant, files: Sequence[Tuple[str, bytes]], now: datetime,
                 already: int = 0) -> List[StoredUpload]:
        """Check and store files sent together, all or none: UploadsRejected names every
        problem and nothing is stored. `already`: files the application holds elsewhere (a
        ticket's own, for a supplement), counted against the limit too. A file identical to one
        the grant already holds is not stored twice (a form sent again)."""
        checked, problems = [], []
        for filename, data in files:
            try:
                checked.append((filename, data, self.check(filename, data), hashlib.sha256(data).hexdigest()))
            except UploadRejected as rejected:
                problems.append(rejected.message)
        if problems:
            raise UploadsRejected(problems)
        written: List[str] = []
        try:
            with self._sessions.begin() as session:
                held = set(session.scalars(self._held(grant).with_only_columns(UploadRow.sha256)))
                new = list({digest: (name, data, kind, digest) for name, data, kind, digest in checked
                            if digest not in held}.values())
                if already + self._count(session, grant) + len(new) > self.max_files:
                    raise UploadsRejected([self._too_many()])
                if self._stored_bytes(session, grant.customer_id) + sum(len(f[1]) for f in new) > self.quota_bytes:
                    raise UploadsRejected([self._over_quota()])
                rows = []
                for filename, data, content_type, digest in new:
                    if self._write(digest, data):
                        written.append(digest)
                    rows.append(self._row(grant, filename, content_type, data, digest, now))
                session.add_all(rows)
                session.flush()
                return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256) for r in rows]
        except BaseException:
            for digest in written:
                self.path_for(digest).unlink(missing_ok=True)
            raise

    def discard_unattached(self, customer_id: str, conversation_id: str) -> int:
        """Forget the files a draft application collected and never filed (its owner gave up,
        or what they were for failed): rows and bytes no other upload shares."""
        with self._sessions.begin() as session:
            rows = session.scalars(select(UploadRow).where(
                UploadRow.customer_id == customer_id, UploadRow.conversation_id == conversation_id,
                UploadRow.ticket_id.is_(None))).all()
            digests = {r.sha256 for r in rows}
            session.execute(delete(UploadRow).where(UploadRow.id.in_([r.id for r in rows])))
            shared = set(session.scalars(select(UploadRow.sha256).where(UploadRow.sha256.in_(digests)))) \
                if digests else set()
        for digest in digests - shared:
            self.path_for(digest).unlink(missing_ok=True)
        return len(rows)

    def for_draft(self, customer_id: str, conversation_id: str) -> List[StoredUpload]:
        """The files a draft application holds that no ticket took yet."""
        query = self._held(UploadGrant(customer_id, conversation_id, None)).order_by(UploadRow.id)
        with self._sessions() as session:
            return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256) for r in session.scalars(query)]

    def _too_many(self) -> str:
        return f"每次申请最多上传 {self.max_files} 个文件，已达到上限。"

    def _over_quota(self) -> str:
        return (f"您上传的材料总量已达到上限（{self.quota_bytes / (1024 * 1024):g} MB），"
                "如需补充更多材料，请联系人工客服。")

    @staticmethod
    def _row(grant: UploadGrant, filename: str, content_type: str, data: bytes, digest: str,
             now: datetime) -> UploadRow:
        return UploadRow(customer_id=grant.customer_id, conversation_id=grant.conversation_id,
                         ticket_id=grant.ticket_id, sha256=digest, filename=safe_filename(filename),
                         content_type=content_type, size=len(data), created_at=now)

    @staticmethod
    def _held(grant: UploadGrant) -> Select:
        """The live uploads the grant's application holds: its ticket's, or its conversation's
        not yet filed."""
        query = select(UploadRow).where(UploadRow.customer_id == grant.customer_id, UploadRow.purged_at.is_(None))
        if grant.ticket_id:
            return query.where(UploadRow.ticket_id == grant.ticket_id)
        return query.where(UploadRow.conversation_id == grant.conversation_id, UploadRow.ticket_id.is_(None))

    def bound(self, grant: UploadGrant) -> UploadGrant:
        """The grant with the ticket its files belong to: a link issued before filing belongs to
        the first ticket filed in its conversation after it was issued (and dies with it), so
        its files never join a later application of the same chat."""
        if grant.ticket_id or grant.issued_at is None:
            return grant
        query = (select(TicketRow.ticket_id)
                 .where(TicketRow.customer_id == grant.customer_id,
                        TicketRow.conversation_id == grant.conversation_id,
                        TicketRow.created_at >= grant.issued_at)
                 .order_by(TicketRow.created_at, TicketRow.ticket_id).limit(1))
        with self._sessions() as session:
            ticket_id = session.scalar(query)
        return replace(grant, ticket_id=ticket_id) if ticket_id else grant

    def for_conversation(self, customer_id: str, conversation_id: str) -> List[StoredUpload]:
        query = (select(UploadRow).where(UploadRow.customer_id == customer_id, UploadRow.purged_at.is_(None),
                                         UploadRow.conversation_id == conversation_id)
                 .order_by(UploadRow.id))
        with self._sessions() as session:
            return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256)
                    for r in session.scalars(query)]

    def for_ticket(self, customer_id: str, ticket_id: str) -> List[StoredUpload]:
        query = (select(UploadRow).where(UploadRow.customer_id == customer_id, UploadRow.ticket_id == ticket_id,
                                         UploadRow.purged_at.is_(None))
                 .order_by(UploadRow.id))
        with self._sessions() as session:
            return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256)
                    for r in session.scalars(query)]

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def get(self, upload_id: int) -> Optional[StoredUpload]:
        """One stored upload (for staff), or None if unknown or purged by the retention job."""
        with self._sessions() as session:
            row = session.get(UploadRow, upload_id)
            if row is None or row.purged_at is not None:
                return None
            return StoredUpload(row.id, row.filename, row.content_type, row.size, row.sha256)

    def for_conversation_or_ticket(self, conversation_id: str, ticket_id: Optional[str]) -> List[StoredUpload]:
        """What was uploaded in a conversation or for a ticket (for staff)."""
        condition = UploadRow.conversation_id == conversation_id
        if ticket_id:
            condition = condition | (UploadRow.ticket_id == ticket_id)
        query = select(UploadRow).where(condition, UploadRow.purged_at.is_(None)).order_by(UploadRow.id)
        with self._sessions() as session:
            return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256) for r in session.scalars(query)]

    def _stored_bytes(self, session: Session, customer_id: str) -> int:
        query = select(func.coalesce(func.sum(UploadRow.size), 0)).where(
            UploadRow.customer_id == customer_id, UploadRow.purged_at.is_(None))
        return int(session.scalar(query))

    def _count(self, session: Session, grant: UploadGrant) -> int:
        query = select(func.count()).select_from(UploadRow).where(UploadRow.customer_id == grant.customer_id)
        if grant.ticket_id:
            query = query.where(UploadRow.ticket_id == grant.ticket_id)
        else:
            query = query.where(UploadRow.conversation_id == grant.conversation_id, UploadRow.ticket_id.is_(None))
        return int(session.scalar(query))

    def _write(self, digest: str, data: bytes) -> bool:
        """Write atomically (temp file + rename); False if identical content is already stored."""
        target = self.path_for(digest)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return True


def attach_conversation_uploads(session: Session, customer_id: str, conversation_id: str,
                                ticket_id: str) -> int:
    """Link the conversation's unattached uploads to a newly filed ticket (same transaction)."""
    result = session.execute(
        update(UploadRow)
        .where(UploadRow.customer_id == customer_id, UploadRow.conversation_id == conversation_id,
               UploadRow.ticket_id.is_(None))
        .values(ticket_id=ticket_id)
    )
    return result.rowcount or 0
