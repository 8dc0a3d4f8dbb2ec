"""Tiny video clips made on the spot with the ffmpeg of the imageio-ffmpeg wheel (nothing downloaded)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from gophertok_local import test_patterns

_DIR = Path(tempfile.mkdtemp(prefix="gophertok-clips-"))


@functools.cache
def clip(source: str = "testsrc2", seconds: float = 1.0, container: str = "mp4") -> bytes:
    """An H.264 (MP4) or VP8 (WebM) clip of a lavfi test source, 160x284; cached per process.

    MP4s keep the movie header at the end (no faststart), like most phone recordings.
    """
    path = _DIR / f"{source.replace('=', '_').replace(':', '_')}-{seconds}.{container}"
    codec = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "35") if container == "mp4" else test_patterns.VP8
    return test_patterns.render(source, path, size="160x284", rate=10, seconds=seconds, codec=codec)
