"""An evidence upload's body (multipart/form-data) read as it arrives.

The page's CSRF token comes before any file: in the `X-CSRF-Token` header (the page's script)
or as the form's first field (the plain form), and `admit` rules on it before a file byte is
read. Each file goes straight to the store's `IncomingFile` (one chunk in memory at a time, the
size checked as it grows); the parser holds at most `BUFFER_LIMIT` bytes between chunks, a
field at most `FIELD_LIMIT`. Whatever stops the reading, every file not yet returned is deleted.
"""
from __future__ import annotations

from typing import AsyncIterator, Callable, Dict, List, Optional, Tuple

from sanic.request import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Field, File, MultipartDecoder

from bot.uploads.store import IncomingFile, UploadRejected

FIELD_LIMIT = 4096  # the upload page's CSRF token is its only field
BUFFER_LIMIT = 1024 * 1024
SPARE_PARTS = 4  # parts allowed besides the files (the token; an empty file input)


class MalformedBody(ValueError):
    """Not a multipart body this page sends (or one cut off)."""


class BodyTooLarge(ValueError):
    """More parts than the page can send, or a part's headers longer than the parser holds."""


def multipart_boundary(content_type: Optional[str]) -> Optional[bytes]:
    """The boundary of a multipart/form-data body, or None for any other body."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get("boundary")
    if kind != "multipart/form-data" or not boundary or len(boundary) > 200:
        return None
    return boundary.encode("latin-1", "replace")


async def receive_files(chunks: AsyncIterator[bytes], boundary: bytes, open_file: Callable[[str], IncomingFile],
                        max_files: int, too_many: str,
                        admit: Optional[Callable[[str], None]]) -> Tuple[List[IncomingFile], List[str]]:
    """The files of the body (received, not yet committed) and the Chinese reasons for those
    refused on the way (too large, one too many). `admit` is called with the `csrf` field's value
    before the first file (with "" if a file comes first) and raises to stop; None when the
    token came in the header and was admitted already."""
    _, files, rejected = await receive_form(chunks, boundary, open_file, max_files, too_many, admit)
    return files, rejected


async def receive_form(chunks: AsyncIterator[bytes], boundary: bytes,
                       open_file: Callable[[str], Optional[IncomingFile]], max_files: int, too_many: str,
                       admit: Optional[Callable[[str], None]], max_fields: int = SPARE_PARTS,
                       field_limit: int = FIELD_LIMIT) -> Tuple[Dict[str, str], List[IncomingFile], List[str]]:
    """`receive_files` for a form with fields besides its files (at most `max_fields` of at most
    `field_limit` bytes each, UTF-8; the first value of each name). `open_file` may return None
    to skip a file's data (e.g. once `admit` found the page expired: its fields are still read)."""
    reader = _Reader(boundary, open_file, max_files, too_many, admit, max_fields, field_limit)
    try:
        async for chunk in chunks:
            reader.feed(chunk)
        reader.feed(None)
    except BaseException:
        reader.discard()
        raise
    return reader.fields, reader.files, reader.rejected


class _Reader:
    def __init__(self, boundary: bytes, open_file: Callable[[str], Optional[IncomingFile]], max_files: int,
                 too_many: str, admit: Optional[Callable[[str], None]], max_fields: int = SPARE_PARTS,
                 field_limit: int = FIELD_LIMIT) -> None:
        self.decoder = MultipartDecoder(boundary, BUFFER_LIMIT, max_parts=max_files + max_fields)
        self.open_file, self.max_files, self.too_many, self.admit = open_file, max_files, too_many, admit
        self.field_limit = field_limit
        self.fields: Dict[str, str] = {}
        self.files: List[IncomingFile] = []
        self.rejected: List[str] = []
        self.field: Optional[str] = None  # the field being read, or None in a file part
        self.value = bytearray()
        self.current: Optional[IncomingFile] = None  # the file being written (None: its data is skipped)
        self.done = False

    def feed(self, chunk: Optional[bytes]) -> None:
        if self.done:  # past the closing boundary: nothing more is read
            return
        try:
            self.decoder.receive_data(chunk)
            while not self.done:
                event = self.decoder.next_event()
                if event is NEED_DATA:
                    break
                self._on(event)
        except RequestEntityTooLarge as exc:
            raise BodyTooLarge(str(exc)) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(str(exc)) from exc
        if chunk is None and not self.done:
            raise MalformedBody("the body ended inside a part")

    def _on(self, event: object) -> None:
        if isinstance(event, Field):
            self.field, self.value = event.name, bytearray()
        elif isinstance(event, File):
            self._admit("")
            self.field = None
            self.current = self._open(event.name, event.filename)
        elif isinstance(event, Data):
            self._field_data(event) if self.field is not None else self._file_data(event)
        elif isinstance(event, Epilogue):
            self.done = True

    def _admit(self, token: str) -> None:
        if self.admit is not None:
            admit, self.admit = self.admit, None
            admit(token)

    def _open(self, name: str, filename: Optional[str]) -> Optional[IncomingFile]:
        if name != "files" or not filename:  # another input, or the file input left empty
            return None
        if len(self.files) >= self.max_files:
            if self.too_many not in self.rejected:
                self.rejected.append(self.too_many)
            return None
        return self.open_file(filename)

    def _field_data(self, event: Data) -> None:
        self.value += event.data
        if len(self.value) > self.field_limit:
            raise MalformedBody("a field longer than the form sends")
        if not event.more_data:
            if self.field == "csrf":
                self._admit(self.value.decode("utf-8"))
            elif self.field is not None:
                self.fields.setdefault(self.field, self.value.decode("utf-8"))
            self.field = None

    def _file_data(self, event: Data) -> None:
        if self.current is None:
            return
        try:
            self.current.write(event.data)
        except UploadRejected as exc:  # over the size limit: already deleted
            self.rejected.append(exc.message)
            self.current = None
            return
        if not event.more_data:
            self.files.append(self.current)
            self.current = None

    def discard(self) -> None:
        for incoming in [*self.files, *([self.current] if self.current else [])]:
            incoming.discard()


async def body_chunks(request: Request) -> AsyncIterator[bytes]:
    """A streamed route's request body, chunk by chunk as it arrives."""
    while request.stream is not None:
        chunk = await request.stream.read()
        if chunk is None:
            return
        yield chunk
