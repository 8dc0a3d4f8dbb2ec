"""Cover images: a frame near the start of a video, as JPEG, extracted with ffmpeg.

ffmpeg comes from the ``imageio-ffmpeg`` wheel (a static binary in the ffmpeg layer), so nothing is
installed on the host. The upload is written to a private temporary file (Lambda's /tmp) because
MP4s with the movie header at the end cannot be decoded from a pipe; the file is always removed.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile

from gophertok import logs, tracing
from gophertok.errors import UnsupportedMedia

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
DEFAULT_TIMEOUT_SECONDS = 20.0
COVER_MAX_WIDTH = 720
UNREADABLE = "the video could not be read: the file is damaged or uses an unsupported codec"

log = logs.get_logger("gophertok.media.covers")


@functools.cache
def ffmpeg_path() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _command(source: str) -> list[str]:
    return [
        ffmpeg_path(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        source,
        # The first decodable frame; thumbnails wider than a phone screen only cost bytes.
        "-vf",
        f"scale='min({COVER_MAX_WIDTH},iw)':-2",
        "-frames:v",
        "1",
        "-f",
        "image2pipe",
        "-vcodec",
        "mjpeg",
        "-q:v",
        "4",
        "pipe:1",
    ]


def extract_cover(video: bytes, extension: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """JPEG bytes of a frame near the start of ``video``; UnsupportedMedia when ffmpeg cannot decode one."""
    handle, path = tempfile.mkstemp(prefix="upload-", suffix=f".{extension}", dir=tempfile.gettempdir())
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(video)
        with tracing.subsegment("ffmpeg", operation="cover", bytes=len(video)):
            result = subprocess.run(_command(path), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UnsupportedMedia("the video took too long to read: upload a shorter or simpler file") from None
    finally:
        os.unlink(path)
    cover = result.stdout
    if result.returncode != 0 or not (cover.startswith(JPEG_START) and cover.rstrip(b"\0").endswith(JPEG_END)):
        log.info(
            "cover extraction failed",
            extra={"returncode": result.returncode, "stderr": result.stderr[-500:].decode("utf-8", "replace")},
        )
        raise UnsupportedMedia(UNREADABLE)
    return cover
