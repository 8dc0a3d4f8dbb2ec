"""Recognise a video container from its first bytes, before anything is stored or decoded.

The file name and the client's Content-Type say nothing reliable, so the signature decides: MP4/MOV
(an ``ftyp`` box at offset 4), WebM/Matroska (EBML magic), AVI (``RIFF....AVI ``) and MPEG-TS (a 0x47
sync byte every 188 bytes). For MP4/MOV the top-level boxes are walked too, which catches truncated
uploads cheaply: the last box would claim more bytes than the file holds, or ``moov`` is missing.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from gophertok.errors import UnsupportedMedia

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
TS_PACKET = 188
TS_SYNC = 0x47
TS_PACKETS_CHECKED = 5


@dataclass(frozen=True)
class VideoFormat:
    extension: str  # used in the object key
    content_type: str  # served with the object


MP4 = VideoFormat("mp4", "video/mp4")
MOV = VideoFormat("mov", "video/quicktime")
WEBM = VideoFormat("webm", "video/webm")
MKV = VideoFormat("mkv", "video/x-matroska")
AVI = VideoFormat("avi", "video/x-msvideo")
MPEG_TS = VideoFormat("ts", "video/mp2t")

NOT_A_VIDEO = "the file is not a video: upload an MP4, MOV, WebM, MKV, AVI or MPEG-TS file"


def sniff_video(data: bytes) -> VideoFormat:
    """The container format of ``data``; UnsupportedMedia when it is none we accept or it is cut short."""
    if data[4:8] == b"ftyp":
        return _iso_media(data)
    if data.startswith(EBML_MAGIC):
        # The DocType element follows the header; "webm" appears there for WebM, "matroska" otherwise.
        return WEBM if b"webm" in data[:64] else MKV
    if data[:4] == b"RIFF" and data[8:12] == b"AVI ":
        return AVI
    if _is_transport_stream(data):
        return MPEG_TS
    raise UnsupportedMedia(NOT_A_VIDEO)


def _iso_media(data: bytes) -> VideoFormat:
    brand = data[8:12]
    kinds = _top_level_boxes(data)
    if b"moov" not in kinds:
        raise UnsupportedMedia("the video file is incomplete (no movie header): upload the whole file")
    return MOV if brand == b"qt  " else MP4


def _top_level_boxes(data: bytes) -> list[bytes]:
    """Types of the top-level ISO-BMFF boxes; UnsupportedMedia if a box runs past the end of the file."""
    kinds: list[bytes] = []
    position, end = 0, len(data)
    while position < end:
        if end - position < 8:
            raise UnsupportedMedia("the video file is truncated: upload the whole file")
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:  # 64-bit size follows the type
            if end - position < 16:
                raise UnsupportedMedia("the video file is truncated: upload the whole file")
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        elif size == 0:  # the box extends to the end of the file
            size = end - position
        if size < header or position + size > end:
            raise UnsupportedMedia("the video file is truncated or damaged: upload the whole file")
        kinds.append(kind)
        position += size
    return kinds


def _is_transport_stream(data: bytes) -> bool:
    packets = min(len(data) // TS_PACKET, TS_PACKETS_CHECKED)
    return packets >= 2 and all(data[i * TS_PACKET] == TS_SYNC for i in range(packets))
