"""Tiny video clips made on the spot with the ffmpeg of the imageio-ffmpeg wheel (nothing downloaded)."""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg

_DIR = Path(tempfile.mkdtemp(prefix="gophertok-clips-"))


@functools.cache
def clip(source: str = "testsrc2", seconds: float = 1.0, container: str = "mp4") -> bytes:
    """An H.264 (MP4) or VP8 (WebM) clip of a lavfi test source, 160x284; cached per process.

    MP4s keep the movie header at the end (no faststart), like most phone recordings.
    """
    path = _DIR / f"{source.replace('=', '_').replace(':', '_')}-{seconds}.{container}"
    codec = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35"] if container == "mp4" else ["-c:v", "libvpx"]
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{source}{':' if '=' in source else '='}size=160x284:rate=10:duration={seconds}",
            *codec,
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()
