"""A small, strict multipart/form-data parser for bodies already held in memory (Lambda payloads).

It returns text fields and files separately and raises MalformedMultipart (an InvalidInput) on
anything malformed, with a fixed sentence written here, never a codec's or parser's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from gophertok.errors import InvalidInput

NOT_UTF8 = "the request body is not valid UTF-8 text"


class MalformedMultipart(InvalidInput):
    """A multipart body that cannot be read; the message is one of this module's sentences."""


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


def boundary_of(content_type: str) -> str:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise MalformedMultipart("multipart body without a valid boundary")
    return boundary


def _disposition(raw_headers: bytes) -> tuple[str | None, str | None, str]:
    message = Message()
    for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
        if ":" in line:
            name, _, value = line.partition(":")
            message[name.strip()] = value.strip()
    field_name = message.get_param("name", header="content-disposition")
    filename = message.get_filename()
    content_type = message.get_content_type() if message.get("content-type") else "application/octet-stream"
    return (
        field_name if isinstance(field_name, str) else None,
        filename,
        content_type,
    )


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedMultipart(NOT_UTF8) from None


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split ``body`` into ({field: text}, {field: UploadedFile}); the first occurrence of a name wins."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    start = body.find(delimiter)
    if start < 0:
        raise MalformedMultipart("multipart body does not contain its boundary")
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return fields, files  # closing delimiter
        if not body.startswith(b"\r\n", position):
            raise MalformedMultipart("malformed multipart delimiter line")
        part_start = position + 2
        next_delimiter = body.find(b"\r\n" + delimiter, part_start)
        if next_delimiter < 0:
            raise MalformedMultipart("multipart body is truncated")
        header_end = body.find(b"\r\n\r\n", part_start, next_delimiter)
        if header_end < 0:
            raise MalformedMultipart("multipart part without headers")
        name, filename, part_type = _disposition(body[part_start:header_end])
        content = body[header_end + 4 : next_delimiter]
        if name:
            if filename is not None:
                files.setdefault(name, UploadedFile(name, filename, part_type, content))
            else:
                fields.setdefault(name, _text(content))
        position = next_delimiter + 2 + len(delimiter)
