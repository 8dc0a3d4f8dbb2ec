"""Synthetic video clips rendered locally from ffmpeg's lavfi test sources (nothing downloaded).

Used by ``make seed`` for demo content and by the tests for upload fixtures; the ffmpeg binary is the
one shipped in the imageio-ffmpeg wheel.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from gophertok.media.covers import ffmpeg_path

H264 = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "32")
VP8 = ("-c:v", "libvpx")


def render(
    source: str,
    path: Path,
    *,
    size: str,
    rate: int,
    seconds: float,
    filters: str = "format=yuv420p",
    codec: tuple[str, ...] = H264,
    extra: tuple[str, ...] = (),
) -> bytes:
    """Render ``seconds`` of the lavfi ``source`` (e.g. "testsrc2", "color=c=red") to ``path``; return its bytes."""
    separator = ":" if "=" in source else "="
    subprocess.run(
        [
            ffmpeg_path(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{source}{separator}size={size}:rate={rate}",
            "-t",
            str(seconds),
            "-vf",
            filters,
            *codec,
            *extra,
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()
