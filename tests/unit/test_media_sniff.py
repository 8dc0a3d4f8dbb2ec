"""Container sniffing: which uploads count as videos before anything is decoded or stored."""

from __future__ import annotations

import struct

import pytest

from gophertok.errors import UnsupportedMedia
from gophertok.media.sniff import AVI, MKV, MOV, MP4, MPEG_TS, WEBM, sniff_video


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes = b"isom", *boxes: bytes) -> bytes:
    return box(b"ftyp", brand + b"\0\0\2\0" + brand) + b"".join(
        boxes or (box(b"moov", b"x" * 20), box(b"mdat", b"y" * 50))
    )


def test_mp4_with_ftyp_and_moov_is_mp4():
    assert sniff_video(mp4()) == MP4


def test_quicktime_brand_is_mov():
    assert sniff_video(mp4(b"qt  ")) == MOV


def test_mp4_with_64_bit_box_size_and_box_to_end_of_file_is_accepted():
    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 10) + b"z" * 10
    to_end = struct.pack(">I4s", 0, b"free") + b"rest of file"
    assert sniff_video(mp4(b"isom", box(b"moov", b"m"), large, to_end)) == MP4


def test_mp4_cut_in_half_is_rejected_as_truncated():
    whole = mp4()
    with pytest.raises(UnsupportedMedia, match="truncated"):
        sniff_video(whole[: len(whole) - 20])


def test_mp4_without_moov_is_rejected_as_incomplete():
    with pytest.raises(UnsupportedMedia, match="incomplete"):
        sniff_video(mp4(b"isom", box(b"mdat", b"only media data")))


def test_box_with_impossible_size_is_rejected():
    with pytest.raises(UnsupportedMedia):
        sniff_video(mp4(b"isom", box(b"moov"), struct.pack(">I4s", 3, b"junk")))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 40, WEBM),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\0" * 40, MKV),
        (b"RIFF\x10\0\0\0AVI LIST" + b"\0" * 40, AVI),
        ((b"\x47" + b"\0" * 187) * 4, MPEG_TS),
    ],
)
def test_other_containers_are_recognised_by_signature(header, expected):
    assert sniff_video(header) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is a text file renamed to .mp4\n" * 10,
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"\xff\xd8\xff\xe0" + b"\0" * 100,
        b"RIFF\x10\0\0\0WAVEfmt " + b"\0" * 40,
        b"\x47" + b"\0" * 187 + b"\x00" + b"\0" * 187,
        b"\x47",
        b"ftyp",
    ],
    ids=["text", "png", "jpeg", "wav", "broken-ts", "one-byte", "short"],
)
def test_non_videos_are_rejected_with_a_clear_message(data):
    with pytest.raises(UnsupportedMedia, match="not a video"):
        sniff_video(data)
