"""media.images: generated PNGs are valid, deterministic and (for identicons) symmetric."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import pytest

from gophertok.media import images

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Png:
    width: int
    height: int
    chunk_types: list[bytes]
    pixels: bytes  # decompressed IDAT: per row one filter byte then width*3 RGB bytes

    def rows(self) -> list[bytes]:
        stride = 1 + self.width * 3
        return [self.pixels[y * stride : (y + 1) * stride] for y in range(self.height)]


def parse_png(data: bytes) -> Png:
    """Parse a PNG strictly: signature, every chunk's CRC, IHDR fields, IDAT size. Fails the test on any defect."""
    assert data[:8] == PNG_SIGNATURE, "bad PNG signature"
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert len(body) == length, f"{kind!r} chunk is truncated"
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"{kind!r} chunk has a wrong CRC"
        chunks.append((kind, body))
        position += 12 + length
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, color_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color_type, compression, filtering, interlace) == (8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    return Png(width, height, kinds, pixels)


@pytest.mark.parametrize(
    ("make", "size"),
    [
        (lambda seed: images.identicon(seed), (240, 240)),
        (lambda seed: images.identicon(seed, size=64), (64, 64)),
        (lambda seed: images.background(seed), (720, 360)),
        (lambda seed: images.background(seed, width=100, height=30), (100, 30)),
    ],
    ids=["identicon", "identicon-64", "background", "background-small"],
)
def test_generated_image_is_valid_png_with_expected_size(make, size):
    png = parse_png(make("ana"))

    assert (png.width, png.height) == size
    assert len(png.pixels) == png.height * (1 + png.width * 3)
    assert all(row[0] == 0 for row in png.rows())  # filter type "None" on every row


@pytest.mark.parametrize("make", [images.identicon, images.background, images.signature], ids=lambda f: f.__name__)
def test_generator_is_deterministic_for_the_same_seed(make):
    assert make("张三") == make("张三")


@pytest.mark.parametrize("make", [images.identicon, images.background], ids=lambda f: f.__name__)
def test_image_differs_for_different_seeds(make):
    assert make("alice") != make("bob")


def test_identicon_is_left_right_symmetric():
    for seed in ("alice", "bob", "张三", ""):
        png = parse_png(images.identicon(seed))
        for row in png.rows():
            pixels = [row[1 + x * 3 : 4 + x * 3] for x in range(png.width)]
            assert pixels == pixels[::-1], f"identicon for {seed!r} is not mirrored"


def test_identicon_has_background_and_one_foreground_colour():
    png = parse_png(images.identicon("alice"))
    colours = {row[1 + x * 3 : 4 + x * 3] for row in png.rows() for x in range(png.width)}

    assert bytes((240, 240, 240)) in colours
    assert len(colours) == 2


def test_identicon_margin_is_background():
    png = parse_png(images.identicon("alice"))
    background = bytes((240, 240, 240)) * png.width

    assert png.rows()[0][1:] == background
    assert png.rows()[-1][1:] == background


def test_signature_is_one_of_the_known_signatures():
    for seed in ("alice", "bob", "张三", "", "x" * 1000):
        assert images.signature(seed) in images.SIGNATURES


def test_signature_spreads_over_several_choices():
    assert len({images.signature(f"user{n}") for n in range(100)}) > 1


def test_encode_png_rejects_rows_not_matching_size():
    with pytest.raises(ValueError):
        images.encode_png(2, 2, [b"\x00" * 6])
    with pytest.raises(ValueError):
        images.encode_png(2, 1, [b"\x00" * 5])


def test_encode_png_round_trips_pixels():
    rows = [bytes([1, 2, 3, 4, 5, 6]), bytes([7, 8, 9, 250, 251, 252])]

    png = parse_png(images.encode_png(2, 2, rows))

    assert [row[1:] for row in png.rows()] == rows
