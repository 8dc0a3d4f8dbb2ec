"""`make seed`: enough demo videos for several feed pages, published through the real service, and
safe to run twice."""

from __future__ import annotations

import seed

from support.douyin import DouyinClient
from support.polling import unique_name


def test_seeding_publishes_playable_demo_videos_once(api_url, database):
    usernames = tuple(unique_name("seed")[:20] + suffix for suffix in ("a", "b", "c", "d"))

    assert seed.seed(usernames) == 4 * seed.VIDEOS_PER_USER >= 70
    assert seed.seed(usernames) == 0  # a second run adds nothing

    client = DouyinClient(api_url)
    rows = database.query(
        "SELECT v.author_id, COUNT(*) AS n, COUNT(DISTINCT v.content_sha256) AS distinct_files FROM videos v "
        "JOIN users u ON u.id = v.author_id WHERE u.username IN (%s, %s, %s, %s) GROUP BY v.author_id",
        usernames,
    )
    assert [row["n"] for row in rows] == [seed.VIDEOS_PER_USER] * 4
    assert all(row["distinct_files"] == seed.VIDEOS_PER_USER for row in rows)
    login = client.call("POST", "/douyin/user/login/", params={"username": usernames[0], "password": seed.PASSWORD})
    videos = client.call("GET", "/douyin/publish/list/", params={"token": login["token"]})["video_list"]
    assert len(videos) == seed.VIDEOS_PER_USER
    assert videos[0]["title"].endswith(f"#{seed.VIDEOS_PER_USER}")  # newest first
