"""People using the web client in headless Chromium against the local API and its consumers.

One story, two people: Alice signs up, uploads a clip (presigned PUT to the S3 emulator, ingested by the
queue consumer), sees it play in the feed, likes it with a double tap and comments; Bob signs up,
follows her from the feed; she follows back from her followers; they chat through the polled chat
endpoint. Screenshots go to build/; the first page load's time and bytes to build/browser-report.json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from support.browser import PASSWORD, api, published_video, sign_up
from support.clips import clip
from support.polling import unique_name, wait_for

BUILD = Path(__file__).resolve().parents[2] / "build"


def first_load_figures(page, api_url: str) -> dict:
    """Navigation timing of the first visit, and every byte it moved (media included) until the network is idle."""
    finished = []

    def record(request) -> None:
        finished.append(request)

    page.on("requestfinished", record)
    page.goto(api_url + "/", wait_until="networkidle")
    page.remove_listener("requestfinished", record)
    sizes = [request.sizes() for request in finished]
    all_bytes = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
    return {
        "all_requests": len(sizes),
        "all_transferred_bytes": all_bytes,
        **page.evaluate(
            """() => {
        const [nav] = performance.getEntriesByType("navigation");
        const resources = performance.getEntriesByType("resource");
        const sameOrigin = resources.filter((r) => r.name.startsWith(location.origin));
        const bytes = nav.transferSize + sameOrigin.reduce((sum, r) => sum + r.transferSize, 0);
        return {
            load_ms: Math.round(nav.loadEventEnd - nav.startTime),
            dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd - nav.startTime),
            transferred_bytes: bytes,
            requests: 1 + sameOrigin.length,
            media_requests: resources.length - sameOrigin.length,
        };
    }"""
        ),
    }


def card(page, video_id: int):
    return page.locator(f'article.card-video[data-video-id="{video_id}"]')


@pytest.fixture
def clip_file(tmp_path):
    path = tmp_path / "holiday.mp4"
    path.write_bytes(clip("testsrc2", seconds=2.0))
    return path


def test_two_people_publish_watch_like_comment_follow_and_chat(api_url, new_page, clip_file) -> None:
    alice_page = new_page()
    figures = first_load_figures(alice_page, api_url)
    alice = sign_up(alice_page, api_url, unique_name("alice"))
    alice_id = alice["userId"]

    # Upload through upload_url and a direct PUT; the page returns to the feed once the video is live.
    alice_page.goto(api_url + "/#/upload")
    alice_page.locator("input[type=file]").set_input_files(str(clip_file))
    alice_page.get_by_placeholder("Describe your video").fill("Sunset at the beach")
    alice_page.get_by_role("button", name="Post").click()
    alice_page.wait_for_url(re.compile(r"#/feed$"), timeout=90_000)
    video_id = api(api_url, "/douyin/publish/list/", token=alice["token"])["video_list"][0]["id"]

    # It is in the feed and plays (muted autoplay): the media element has decoded a frame.
    alice_card = card(alice_page, video_id)
    alice_card.scroll_into_view_if_needed()
    alice_page.wait_for_function(
        "id => document.querySelector(`article[data-video-id='${id}'] video`)?.readyState >= 2", arg=str(video_id)
    )

    # A double tap likes it.
    alice_card.locator("video").dblclick()
    like_button = alice_card.get_by_role("button", name="Like")
    like_button.wait_for()
    wait_for(lambda: like_button.get_attribute("aria-pressed") == "true", timeout=10, what="the like to show")
    wait_for(
        lambda: (
            [v["id"] for v in api(api_url, "/douyin/favorite/list/", token=alice["token"])["video_list"]] == [video_id]
        ),
        timeout=10,
        what="the like to reach the API",
    )

    # Comment through the panel.
    alice_card.get_by_role("button", name="Comments").click()
    alice_page.get_by_placeholder("Add a comment…").fill("first!")
    alice_page.get_by_role("button", name="Post").click()
    alice_page.locator("li.comment", has_text="first!").wait_for()
    assert [c["content"] for c in api(api_url, "/douyin/comment/list/", video_id=video_id)["comment_list"]] == [
        "first!"
    ]
    alice_page.get_by_role("button", name="Close").click()
    alice_page.evaluate("document.getElementById('toast').hidden = true")
    alice_page.screenshot(path=str(BUILD / "feed.png"))

    # Bob finds the video in his feed and follows Alice from it.
    bob_page = new_page()
    bob = sign_up(bob_page, api_url, unique_name("bob"))
    bob_id = bob["userId"]
    bob_card = card(bob_page, video_id)
    bob_card.scroll_into_view_if_needed()
    bob_card.get_by_role("button", name=re.compile("^Follow ")).click()
    wait_for(
        lambda: (
            alice_id
            in [u["id"] for u in api(api_url, "/douyin/relation/follow/list/", token=bob["token"])["user_list"]]
        ),
        timeout=10,
        what="Bob's follow",
    )

    # Alice follows back from her followers; they are friends now.
    alice_page.goto(api_url + "/#/friends")
    alice_page.get_by_role("tab", name="Followers").click()
    bob_row = alice_page.locator(f'li.person[data-user-id="{bob_id}"]')
    bob_row.get_by_role("button", name="Follow back").click()
    bob_row.get_by_role("button", name="Following").wait_for()
    alice_page.get_by_role("tab", name="Friends").click()
    alice_page.locator(f'li.person[data-user-id="{bob_id}"]').click()
    alice_page.wait_for_url(re.compile(rf"#/chat/{bob_id}$"))

    # Chat both ways; each side sees the other's message by polling.
    alice_page.get_by_placeholder("Message…").fill("Hi Bob! Thanks for the follow")
    alice_page.get_by_role("button", name="Send").click()
    bob_page.goto(api_url + f"/#/chat/{alice_id}")
    bob_page.locator("li.bubble.theirs", has_text="Hi Bob!").wait_for()
    bob_page.get_by_placeholder("Message…").fill("Love the sunset video!")
    bob_page.get_by_role("button", name="Send").click()
    alice_page.locator("li.bubble.theirs", has_text="Love the sunset video!").wait_for(timeout=15_000)
    alice_page.screenshot(path=str(BUILD / "chat.png"))

    BUILD.mkdir(exist_ok=True)
    (BUILD / "browser-report.json").write_text(json.dumps({"first_load": figures}, indent=2) + "\n")
    print(f"\nfirst load: {figures}")
    assert figures["transferred_bytes"] > 0 and figures["load_ms"] > 0


def test_a_page_that_needs_an_account_asks_for_one_and_comes_back(api_url, new_page) -> None:
    page = new_page()
    page.goto(api_url + "/#/upload")
    page.wait_for_url(re.compile(r"#/login\?next="))
    page.get_by_role("button", name="New here? Create an account").click()
    page.get_by_placeholder("Username").fill(unique_name("gil"))
    page.get_by_placeholder("Password (6–32 characters)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"#/upload$"))
    page.get_by_placeholder("Describe your video").wait_for()


def test_an_expired_session_leads_to_login_and_a_lost_network_to_a_retry_banner(api_url, new_page) -> None:
    page = new_page()
    sign_up(page, api_url, unique_name("eve"))
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjoxfQ.c2lnbmF0dXJl"
    page.evaluate(
        "token => { const s = JSON.parse(localStorage.getItem('gophertok.session')); s.token = token;"
        " localStorage.setItem('gophertok.session', JSON.stringify(s)); }",
        forged,
    )
    page.goto(api_url + "/#/friends")
    page.reload()  # the page reads its session once, at start
    page.wait_for_url(re.compile(r"#/login"))
    assert "log in again" in page.locator("#toast").inner_text()
    assert page.evaluate("localStorage.getItem('gophertok.session')") is None

    sign_up(page, api_url, unique_name("eve"))
    page.wait_for_load_state("networkidle")  # a feed answer landing later would rightly hide the banner
    page.route("**/douyin/**", lambda route: route.abort("internetdisconnected"))
    page.goto(api_url + "/#/me")
    banner = page.locator("#banner")
    banner.wait_for(state="visible")
    assert "Connection lost" in banner.inner_text()
    page.unroute("**/douyin/**")
    banner.get_by_role("button", name="Retry").click()
    banner.wait_for(state="hidden")
    page.locator(".profile-header h2").wait_for()


def test_an_author_profile_shows_their_videos_and_likes(api_url, new_page, clip_file) -> None:
    client = requests.Session()
    author, video = published_video(api_url, "dan", "Dan's clip", clip_file.read_bytes())
    liked = client.post(
        api_url + "/douyin/favorite/action/",
        data={"token": author["token"], "video_id": video["id"], "action_type": 1},
        timeout=10,
    ).json()
    assert liked["status_code"] == 0, liked

    page = new_page()
    sign_up(page, api_url, unique_name("fay"))
    page.goto(api_url + f"/#/user/{author['user_id']}")
    page.locator(".profile-header h2", has_text=video["author"]["name"]).wait_for()
    page.get_by_role("tab", name="Videos 1").wait_for()
    page.get_by_role("button", name="Dan's clip").wait_for()
    page.get_by_role("tab", name="Likes 1").click()
    page.get_by_role("button", name="Dan's clip").locator("img").evaluate("img => img.decode()")
    page.screenshot(path=str(BUILD / "profile.png"))
    page.get_by_role("button", name="Dan's clip").click()
    page.wait_for_function(
        "id => document.querySelector(`.player-overlay article[data-video-id='${id}'] video`)?.readyState >= 2",
        arg=str(video["id"]),
    )
    page.get_by_role("button", name="Close").click()
    page.locator("[data-role=follow]").click()
    page.locator("[data-role=follow]", has_text="Following").wait_for()
    follows = api(api_url, "/douyin/relation/follower/list/", token=author["token"])["user_list"]
    assert [user["name"] for user in follows] == [
        page.evaluate("JSON.parse(localStorage.getItem('gophertok.session')).name")
    ]


def test_swagger_ui_renders_every_operation_of_the_document(api_url, new_page) -> None:
    from gophertok.contract.openapi import build_spec

    expected = sum(len(item) for item in build_spec()["paths"].values())
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(api_url + "/docs")
    page.locator(".opblock").nth(expected - 1).wait_for()
    assert page.locator(".opblock").count() == expected
    assert "OAS 3.1" in page.locator(".info").inner_text()
    assert errors == []
