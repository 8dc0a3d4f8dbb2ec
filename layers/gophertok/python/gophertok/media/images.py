"""Generated default images: an identicon avatar and a striped background, as PNG, in pure Python.

Both derive only from a seed (the username), so regenerating them yields the same bytes: replaying a
registration event rewrites identical objects.
"""

from __future__ import annotations

import colorsys
import hashlib
import struct
import zlib

Color = tuple[int, int, int]


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """Encode RGB rows (``width * 3`` bytes each) as a PNG."""
    if len(rows) != height or any(len(row) != width * 3 for row in rows):
        raise ValueError("rows do not match the image size")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _digest(seed: str) -> bytes:
    return hashlib.sha256(seed.encode("utf-8")).digest()


def _hue_color(byte: int, saturation: float, lightness: float) -> Color:
    red, green, blue = colorsys.hls_to_rgb(byte / 255, lightness, saturation)
    return int(red * 255), int(green * 255), int(blue * 255)


def identicon(seed: str, size: int = 240, cells: int = 5) -> bytes:
    """A GitHub-style symmetric 5x5 identicon with a margin, as PNG bytes."""
    digest = _digest(seed)
    foreground = _hue_color(digest[0], 0.55, 0.55)
    background: Color = (240, 240, 240)
    half = (cells + 1) // 2
    grid = [[bool(digest[1 + row * half + col] & 1) for col in range(half)] for row in range(cells)]
    grid = [row + row[: cells - half][::-1] for row in grid]
    cell = size // (cells + 1)
    margin = (size - cell * cells) // 2
    rows: list[bytes] = []
    background_row = bytes(background) * size
    for y in range(size):
        grid_row = (y - margin) // cell
        if not 0 <= grid_row < cells or y < margin:
            rows.append(background_row)
            continue
        pixels = bytearray(background_row)
        for col, filled in enumerate(grid[grid_row]):
            if filled:
                start = (margin + col * cell) * 3
                pixels[start : start + cell * 3] = bytes(foreground) * cell
        rows.append(bytes(pixels))
    return encode_png(size, size, rows)


def background(seed: str, width: int = 720, height: int = 360) -> bytes:
    """A diagonal two-colour striped banner, as PNG bytes."""
    digest = _digest("background:" + seed)
    first = _hue_color(digest[0], 0.45, 0.55)
    second = _hue_color(digest[1], 0.45, 0.35)
    stripe = 24 + digest[2] % 40
    period = stripe * 2
    pattern = (bytes(first) * stripe + bytes(second) * stripe) * (width // period + 2)
    rows = []
    for y in range(height):
        shift = (y % period) * 3
        rows.append(pattern[shift : shift + width * 3])
    return encode_png(width, height, rows)


SIGNATURES = (
    "Just here for the cat videos.",
    "Filming my life one clip at a time.",
    "Gophers dig deep.",
    "Less scrolling, more creating.",
    "Coffee, code and short videos.",
    "Every day is a good day to post.",
    "Dancing badly, proudly.",
    "Collecting moments, not things.",
)


def signature(seed: str) -> str:
    return SIGNATURES[_digest("signature:" + seed)[0] % len(SIGNATURES)]
