"""E-mail attachments as evidence files: zip archives are opened (within limits: no bombs, no
nesting, no encrypted entries), and every file then goes through the same checks as the upload
page (bot.uploads.store: type by content, size, count per application, quota)."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from bot.mail.parse import Attachment
from bot.uploads.store import safe_filename

MAX_ZIP_ENTRIES = 20
MAX_RATIO = 100  # uncompressed / compressed: more is a zip bomb, not evidence
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Candidate:
    filename: str
    data: bytes


def candidates(attachments: Sequence[Attachment], max_bytes: int) -> Tuple[List[Candidate], List[str]]:
    """(files to check as evidence, notes on what could not be taken, in Chinese)."""
    files: List[Candidate] = []
    notes: List[str] = []
    for attachment in attachments:
        if attachment.data.startswith(ZIP_MAGIC):
            inner, inner_notes = _unzip(attachment, max_bytes)
            files.extend(inner)
            notes.extend(inner_notes)
        else:
            files.append(Candidate(attachment.filename, attachment.data))
    return files, notes


def _unzip(attachment: Attachment, max_bytes: int) -> Tuple[List[Candidate], List[str]]:
    name = safe_filename(attachment.filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(attachment.data))
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [], [f"「{name}」是损坏的压缩包，无法打开。"]
    files: List[Candidate] = []
    notes: List[str] = []
    if len(entries) > MAX_ZIP_ENTRIES:
        notes.append(f"「{name}」中的文件超过 {MAX_ZIP_ENTRIES} 个，只读取了前 {MAX_ZIP_ENTRIES} 个。")
    for entry in entries[:MAX_ZIP_ENTRIES]:
        inner = f"{name} / {safe_filename(entry.filename)}"
        if entry.flag_bits & 0x1:
            notes.append(f"「{inner}」有密码保护，无法打开。")
        elif entry.file_size > max_bytes or entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            notes.append(f"「{inner}」解压后过大。")
        else:
            data = _read(archive, entry, max_bytes)
            if data is None:
                notes.append(f"「{inner}」无法解压。")
            elif data.startswith(ZIP_MAGIC):
                notes.append(f"「{inner}」是压缩包中的压缩包，请解压后再发送。")
            else:
                files.append(Candidate(safe_filename(entry.filename), data))
    return files, notes


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, max_bytes: int) -> bytes | None:
    """The entry's bytes, reading at most `max_bytes` + 1 whatever its header claims."""
    try:
        with archive.open(entry) as handle:
            data = handle.read(max_bytes + 1)
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, NotImplementedError):
        return None
    return data if len(data) <= max_bytes else None
