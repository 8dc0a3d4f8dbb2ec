"""Demo content for a fresh local stack: a few demo users and 72 short synthetic videos (`make seed`).

The clips are ffmpeg test patterns (lavfi sources with hue shifts, so each one differs) rendered on
this machine with the ffmpeg of the imageio-ffmpeg wheel; nothing is downloaded. They are published
through the same service code as POST /douyin/publish/action/, and the rows are written to MySQL
right away (the consumer would do it too; it is idempotent), so the feed works even before
`make run` starts the consumers. Running it again adds nothing: a demo user who already has their
videos is skipped, and one left half-way by an interrupted run only gets the missing ones.

Usage: infra/with-env.sh python infra/seed.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gophertok.errors import Conflict
from gophertok.services import users, video_index, video_persistence
from gophertok.services.publishing import Published, publish_video
from gophertok_local import test_patterns

PASSWORD = "gophertok-demo"
DEMO_USERS = ("demo_alice", "demo_bob", "demo_carol", "demo_dave")
VIDEOS_PER_USER = 18
SIZE, RATE, SECONDS = "320x568", 15, 1.5

SOURCES = (
    ("testsrc2", "Test card"),
    ("smptebars", "Colour bars"),
    ("rgbtestsrc", "RGB sweep"),
    ("mandelbrot", "Mandelbrot zoom"),
    ("gradients=speed=0.05", "Gradient drift"),
    ("zoneplate=ku=256:kv=256:kt2=32", "Zone plate"),
)
HUES = (0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330)
MOODS = ("sunrise", "lagoon", "neon", "forest", "candy", "storm", "ember", "frost", "dusk", "meadow", "coral", "ink")


@dataclass(frozen=True)
class Clip:
    number: int
    source: str
    hue: int
    title: str


def clips(users: int = len(DEMO_USERS)) -> list[Clip]:
    """Every demo clip, in publishing order (each user gets a contiguous slice)."""
    result = []
    for number in range(users * VIDEOS_PER_USER):
        source, name = SOURCES[number % len(SOURCES)]
        hue_index = (number // len(SOURCES)) % len(HUES)
        title = f"{name} · {MOODS[hue_index]} #{number + 1}"
        result.append(Clip(number, source, HUES[hue_index], title))
    return result


def render(clip: Clip, directory: Path) -> bytes:
    """The clip as a small H.264 MP4."""
    return test_patterns.render(
        clip.source,
        directory / f"clip-{clip.number}.mp4",
        size=SIZE,
        rate=RATE,
        seconds=SECONDS,
        filters=f"hue=h={clip.hue}:s=1.3,format=yuv420p",
        extra=("-movflags", "+faststart"),
    )


def demo_user(username: str) -> int:
    try:
        user_id, _ = users.register(username, PASSWORD)
    except Conflict:
        user_id, _ = users.login(username, PASSWORD)
    return user_id


def seed(usernames: tuple[str, ...] = DEMO_USERS) -> int:
    """Give every demo user their videos; returns how many videos were published."""
    started = time.monotonic()
    plan: list[tuple[str, int, list[Clip]]] = []
    all_clips = clips(len(usernames))
    for index, username in enumerate(usernames):
        user_id = demo_user(username)
        have = len(video_index.author_entries(user_id))
        mine = all_clips[index * VIDEOS_PER_USER : (index + 1) * VIDEOS_PER_USER]
        plan.append((username, user_id, mine[have:]))
        state = "complete" if have >= VIDEOS_PER_USER else f"has {have}, adding {VIDEOS_PER_USER - have}"
        print(f"{username} (id {user_id}): {state}")
    todo = [(user_id, clip) for _, user_id, missing in plan for clip in missing]
    if not todo:
        print(f"nothing to do: every demo user already has {VIDEOS_PER_USER} videos")
        return 0

    published: list[Published] = []
    total_bytes = 0
    with tempfile.TemporaryDirectory(prefix="gophertok-seed-") as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        rendered = pool.map(lambda item: render(item[1], Path(tmp)), todo)
        # Publish in order, one at a time, so that the feed shows the numbering oldest to newest.
        for (user_id, clip), data in zip(todo, rendered, strict=True):
            published.append(publish_video(user_id, clip.title, data))
            total_bytes += len(data)
    video_persistence.persist(published)

    elapsed = time.monotonic() - started
    print(
        f"published {len(published)} videos ({total_bytes // 1024} KiB of video) for "
        f"{len({user_id for user_id, _ in todo})} demo users in {elapsed:.1f}s"
    )
    print(f"demo logins: {', '.join(usernames)} — password {PASSWORD!r}")
    return len(published)


if __name__ == "__main__":
    os.environ.setdefault("RATE_LIMIT_PUBLISH", "off")  # the operator seeds 18 videos per user at once
    seed()
    sys.exit(0)
