"""Store evidence files safely: checked by content, limited in size and count, kept outside any
web root under their SHA-256, recorded with their owner. A failure leaves nothing behind.

A file is received as it arrives (`UploadStore.receive`): written chunk by chunk to a temporary
file under `incoming/`, hashed, measured and judged on the way, so no more than one chunk is in
memory and a file over the limit is dropped as soon as it passes it. `commit` files it under its
digest (a rename) with its database row; anything not committed is deleted."""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
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


class ContentSniffer:
    """The content type of a file judged from its bytes (never from its name or header), fed
    as they arrive: its first bytes for a signature, else UTF-8 text without NUL bytes."""

    HEAD = 12  # enough for every signature, and for RIFF....WEBP

    def __init__(self) -> None:
        self._head = b""
        self._text: Optional[codecs.IncrementalDecoder] = codecs.getincrementaldecoder("utf-8")()

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < self.HEAD:
            self._head += chunk[:self.HEAD - len(self._head)]
        if self._text is not None:
            try:
                if b"\x00" in chunk:
                    raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL byte")
                self._text.decode(chunk)
            except UnicodeDecodeError:
                self._text = None

    def content_type(self) -> Optional[str]:
        for magic, content_type in SIGNATURES:
            if self._head.startswith(magic):
                return content_type
        if self._head[:4] == b"RIFF" and self._head[8:12] == b"WEBP":
            return "image/webp"
        try:
            return "text/plain" if self._text is not None and self._text.decode(b"", final=True) == "" else None
        except UnicodeDecodeError:
            return None


def detect_content_type(data: bytes) -> Optional[str]:
    """The content type judged from the bytes themselves (never from the name or header)."""
    sniffer = ContentSniffer()
    sniffer.feed(data)
    return sniffer.content_type()


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or excessive length."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return (cleaned or "未命名文件")[:100]


def size_label(size: int) -> str:
    """A size limit as customers read it: 「10 MB」, 「1.5 MB」, 「512 KB」."""
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{max(1, round(size / 1024)):g} KB"


def _rejection(code: str, filename: str, limit: int) -> UploadRejected:
    name = safe_filename(filename)
    messages = {"empty": f"「{name}」是空文件。",
                "too_large": f"「{name}」超过了 {size_label(limit)} 的大小限制。",
                "bad_type": f"「{name}」的文件类型不支持，请上传{ALLOWED_DESCRIPTION}。"}
    return UploadRejected(code, messages[code])


class IncomingFile:
    """One file as it arrives: written to a temporary file, with its size, SHA-256 and content
    type worked out on the way. Over `max_bytes` it is deleted at once (UploadRejected)."""

    def __init__(self, folder: Path, filename: str, max_bytes: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=folder, prefix=".upload-")
        self.path = Path(path)
        self.filename = filename
        self.size = 0
        self._max_bytes = max_bytes
        self._handle = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self._sniffer = ContentSniffer()

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self._max_bytes:
            self.discard()
            raise _rejection("too_large", self.filename, self._max_bytes)
        self.size += len(chunk)
        self._hash.update(chunk)
        self._sniffer.feed(chunk)
        self._handle.write(chunk)

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()

    def content_type(self) -> Optional[str]:
        return self._sniffer.content_type()

    def close(self) -> None:
        self._handle.close()

    def discard(self) -> None:
        """Delete what was received (nothing, once committed)."""
        self._handle.close()
        self.path.unlink(missing_ok=True)


class UploadStore:
    def __init__(self, sessions: sessionmaker, root: Path, max_bytes: int, max_files: int,
                 quota_bytes: int = 200 * 1024 * 1024) -> None:
        self._sessions = sessions
        self.root = Path(root)
        self.incoming = self.root / "incoming"  # files still arriving (same disk: committing is a rename)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.quota_bytes = quota_bytes  # all of one customer's stored files together

    def receive(self, filename: str) -> IncomingFile:
        """A file about to arrive; `commit` or `discard` it."""
        return IncomingFile(self.incoming, filename, self.max_bytes)

    def save(self, grant: UploadGrant, filename: str, data: bytes, now: datetime) -> StoredUpload:
        """Check and store one file for the grant's customer and conversation."""
        incoming = self.receive(filename)
        try:
            incoming.write(data)
        except BaseException:
            incoming.discard()
            raise
        return self.commit(grant, incoming, now)

    def commit(self, grant: UploadGrant, incoming: IncomingFile, now: datetime) -> StoredUpload:
        """Check a received file and store it for the grant's customer and conversation; it is
        deleted if refused (UploadRejected) or if anything fails."""
        try:
            incoming.close()
            content_type = incoming.content_type()
            if incoming.size == 0:
                raise _rejection("empty", incoming.filename, self.max_bytes)
            if content_type is None:
                raise _rejection("bad_type", incoming.filename, self.max_bytes)
            return self._record(grant, incoming, content_type, now)
        finally:
            incoming.discard()

    def _record(self, grant: UploadGrant, incoming: IncomingFile, content_type: str, now: datetime) -> StoredUpload:
        digest, size = incoming.digest, incoming.size
        with self._sessions.begin() as session:
            if self._count(session, grant) >= self.max_files:
                raise UploadRejected("too_many", f"每次申请最多上传 {self.max_files} 个文件，已达到上限。")
            if self._stored_bytes(session, grant.customer_id) + size > self.quota_bytes:
                raise UploadRejected("quota", f"您上传的材料总量已达到上限（{size_label(self.quota_bytes)}），"
                                              "如需补充更多材料，请联系人工客服。")
            created_file = self._place(digest, incoming.path)
            try:
                row = UploadRow(customer_id=grant.customer_id, conversation_id=grant.conversation_id,
                                ticket_id=grant.ticket_id, sha256=digest, filename=safe_filename(incoming.filename),
                                content_type=content_type, size=size, created_at=now)
                session.add(row)
                session.flush()
            except Exception:
                if created_file:
                    self.path_for(digest).unlink(missing_ok=True)
                raise
            return StoredUpload(row.id, row.filename, content_type, size, digest)

    def save_all(self, grant: UploadGrant, files: Sequence[Tuple[str, bytes]], now: datetime,
                 already: int = 0) -> List[StoredUpload]:
        """`commit_all` for files already in memory (names and bytes)."""
        received: List[IncomingFile] = []
        problems: List[str] = []
        try:
            for filename, data in files:
                incoming = self.receive(filename)
                try:
                    incoming.write(data)
                    received.append(incoming)
                except UploadRejected as rejected:  # over the size limit: already deleted
                    problems.append(rejected.message)
            if problems:
                raise UploadsRejected(problems)
        except BaseException:
            for incoming in received:
                incoming.discard()
            raise
        return self.commit_all(grant, received, now, already)

    def commit_all(self, grant: UploadGrant, received: Sequence[IncomingFile], now: datetime,
                   already: int = 0) -> List[StoredUpload]:
        """Check received files sent together and store them all or none: UploadsRejected names
        every problem and nothing is stored. `already`: files the application holds elsewhere (a
        ticket's own, for a supplement), counted against the limit too. A file identical to one
        the grant already holds, or to another of the set, is stored once (a form sent again).
        Every received file is gone afterwards (filed under its digest, or deleted)."""
        try:
            checked, problems = [], []
            for incoming in received:
                incoming.close()
                content_type = incoming.content_type()
                if incoming.size == 0 or content_type is None:
                    problems.append(_rejection("empty" if incoming.size == 0 else "bad_type", incoming.filename,
                                               self.max_bytes).message)
                else:
                    checked.append((incoming, content_type))
            if problems:
                raise UploadsRejected(problems)
            return self._record_all(grant, checked, now, already)
        finally:
            for incoming in received:
                incoming.discard()

    def _record_all(self, grant: UploadGrant, checked: Sequence[Tuple[IncomingFile, str]], now: datetime,
                    already: int) -> List[StoredUpload]:
        placed: List[str] = []
        try:
            with self._sessions.begin() as session:
                held = set(session.scalars(self._held(grant).with_only_columns(UploadRow.sha256)))
                new = list({f.digest: (f, kind) for f, kind in checked if f.digest not in held}.values())
                if already + self._count(session, grant) + len(new) > self.max_files:
                    raise UploadsRejected([f"每次申请最多上传 {self.max_files} 个文件，已达到上限。"])
                if self._stored_bytes(session, grant.customer_id) + sum(f.size for f, _ in new) > self.quota_bytes:
                    raise UploadsRejected([f"您上传的材料总量已达到上限（{size_label(self.quota_bytes)}），"
                                           "如需补充更多材料，请联系人工客服。"])
                rows = []
                for incoming, content_type in new:
                    if self._place(incoming.digest, incoming.path):
                        placed.append(incoming.digest)
                    rows.append(UploadRow(customer_id=grant.customer_id, conversation_id=grant.conversation_id,
                                          ticket_id=grant.ticket_id, sha256=incoming.digest,
                                          filename=safe_filename(incoming.filename), content_type=content_type,
                                          size=incoming.size, created_at=now))
                session.add_all(rows)
                session.flush()
                return [StoredUpload(r.id, r.filename, r.content_type, r.size, r.sha256) for r in rows]
        except BaseException:
            for digest in placed:
                self.path_for(digest).unlink(missing_ok=True)
            raise

    def discard_unattached(self, customer_id: str, conversation_id: str) -> int:
        """Forget the files a draft application collected and never filed (what they were sent
        for failed): rows, and the bytes no other upload shares."""
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

    def _place(self, digest: str, received: Path) -> bool:
        """Move a received file to its place (a rename); False if identical content is already stored."""
        target = self.path_for(digest)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received, target)
        return True


def remove_abandoned(root: Path, now: datetime, older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete what uploads that never finished (the process stopped mid-way) left in `incoming/`."""
    removed = 0
    for path in (Path(root) / "incoming").glob(".upload-*"):
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) < now - older_than:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # finished or removed meanwhile
    return removed


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
