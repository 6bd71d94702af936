"""Multipart form parsing without two regular expressions compiled per request (issue 18).

werkzeug's `MultipartDecoder` compiles two patterns from each request's boundary (about 0.37 ms a push: a client
picks a random boundary, so `re`'s cache never hits). `Decoder` finds the same matches with `bytes.find` for the
boundary and one pattern compiled once for what follows it; everything else is werkzeug's (Werkzeug pinned in
requirements.lock; tests/api/service/test_multipart_decoder.py compares both on many bodies). `Request` is the
app's request class (set in miniprogram_api.register).
"""

from __future__ import annotations

import re
import typing as t

from flask import Request as FlaskRequest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.sansio import multipart as sansio

# What follows `--boundary` in werkzeug's two patterns: the end marker (`--`, blanks, an optional line break) or
# blanks and a line break. Group 1, as there.
_AFTER = re.compile(rb"(--[^\S\n\r]*%s?|[^\S\n\r]*%s)" % (sansio.LINE_BREAK, sansio.LINE_BREAK))


class _Match:
    """What the decoder reads of a match: its start, end and group 1."""

    __slots__ = ("_end", "_group", "_start")

    def __init__(self, start: int, end: int, group: bytes) -> None:
        self._start, self._end, self._group = start, end, group

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _number: int) -> bytes:
        return self._group


class _Boundary:
    """`search` as werkzeug's `(LINE_BREAK)--boundary(...)` pattern does (`optional`: the line break may be missing,
    as in its preamble pattern): the first match at or after `pos`."""

    __slots__ = ("_needle", "_optional")

    def __init__(self, boundary: bytes, *, optional: bool) -> None:
        self._needle, self._optional = b"--" + boundary, optional

    def search(self, data: bytes | bytearray, pos: int = 0) -> _Match | None:
        needle, find = self._needle, data.find
        at = find(needle, pos)
        while at != -1:
            # The earliest start: a line break of two bytes, of one, or (when optional) none.
            if at - 2 >= pos and data[at - 2 : at] == b"\r\n":
                start = at - 2
            elif at - 1 >= pos and data[at - 1] in (10, 13):
                start = at - 1
            elif self._optional:
                start = at
            else:
                at = find(needle, at + 1)
                continue
            after = _AFTER.match(data, at + len(needle))
            if after is not None:
                return _Match(start, after.end(), after.group(1))
            at = find(needle, at + 1)
        return None


class Decoder(sansio.MultipartDecoder):
    """werkzeug's decoder with the boundary found by `_Boundary`, not by patterns compiled per boundary."""

    def __init__(
        self, boundary: bytes, max_form_memory_size: int | None = None, *, max_parts: int | None = None
    ) -> None:
        # werkzeug's __init__ without its two re.compile calls (the same attributes).
        self.buffer = bytearray()
        self.complete = False
        self.max_form_memory_size = max_form_memory_size
        self.max_parts = max_parts
        self.state = sansio.State.PREAMBLE
        self.boundary = boundary
        self.preamble_re = t.cast(re.Pattern[bytes], _Boundary(boundary, optional=True))
        self.boundary_re = t.cast(re.Pattern[bytes], _Boundary(boundary, optional=False))
        self._search_position = 0
        self._parts_decoded = 0


class Parser(MultiPartParser):
    """werkzeug's `MultiPartParser.parse` (Werkzeug 3.1.9) with `Decoder`: the loop is copied, for werkzeug names
    its decoder class inside the method."""

    def parse(
        self, stream: t.IO[bytes], boundary: bytes, content_length: int | None
    ) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        current_part: sansio.Field | sansio.File
        field_size: int | None = None
        container: t.IO[bytes] | list[bytes]
        _write: t.Callable[[bytes], t.Any]
        parser = Decoder(boundary, max_form_memory_size=self.max_form_memory_size, max_parts=self.max_form_parts)
        fields = []
        files = []
        for data in _chunks(stream.read, self.buffer_size):
            parser.receive_data(data)
            event = parser.next_event()
            while not isinstance(event, sansio.Epilogue | sansio.NeedData):
                if isinstance(event, sansio.Field):
                    current_part = event
                    field_size = 0
                    container = []
                    _write = container.append
                elif isinstance(event, sansio.File):
                    current_part = event
                    field_size = None
                    container = self.start_file_streaming(event, content_length)
                    _write = container.write
                elif isinstance(event, sansio.Data):
                    if self.max_form_memory_size is not None and field_size is not None:
                        field_size += len(event.data)
                        if field_size > self.max_form_memory_size:
                            raise RequestEntityTooLarge()
                    _write(event.data)
                    if not event.more_data:
                        if isinstance(current_part, sansio.Field):
                            value = b"".join(t.cast(list[bytes], container)).decode(
                                self.get_part_charset(current_part.headers), "replace"
                            )
                            fields.append((current_part.name, value))
                        else:
                            container = t.cast(t.IO[bytes], container)
                            container.seek(0)
                            part = FileStorage(
                                container, current_part.filename, current_part.name, headers=current_part.headers
                            )
                            files.append((current_part.name, part))
                event = parser.next_event()
        return self.cls(fields), self.cls(files)


def _chunks(read: t.Callable[[int], bytes], size: int) -> t.Iterator[bytes | None]:
    """werkzeug's `_chunk_iter`: chunks of the body, then None."""
    while True:
        data = read(size)
        if not data:
            break
        yield data
    yield None


class FormParser(FormDataParser):
    """werkzeug's form parser, with `Parser` for multipart bodies."""

    def _parse_multipart(
        self, stream: t.IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[t.IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]:
        parser = Parser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class Request(FlaskRequest):
    """Flask's request with `FormParser`."""

    form_data_parser_class = FormParser
