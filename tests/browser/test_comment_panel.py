"""The comments panel loads its list while the person may already be posting: whichever of the two answers
arrives first, the new comment shows exactly once. Playwright holds one answer back to force each order."""

from __future__ import annotations

import re

import pytest

from support.browser import api, published_video, sign_up
from support.clips import clip
from support.polling import unique_name


@pytest.fixture(scope="module")
def video(api_url) -> dict:
    return published_video(api_url, "ann", "Ann's clip", clip("testsrc2", seconds=1.0))[1]


def open_panel(page, api_url: str, video: dict) -> None:
    page.goto(api_url + f"/#/user/{video['author']['id']}")
    page.get_by_role("button", name="Ann's clip").click()
    page.locator(".player-overlay").get_by_role("button", name="Comments").click()


def pump_until(page, done, what: str) -> None:
    """Let Playwright dispatch its route handlers (they run only inside its calls) until ``done()``."""
    for _ in range(400):
        if done():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def shown(page, text: str):
    return page.locator("li.comment", has_text=text)


def test_a_list_served_after_the_post_but_delivered_before_its_answer_shows_the_comment_once(
    api_url, new_page, video
) -> None:
    page = new_page()
    sign_up(page, api_url, unique_name("ben"))
    text = unique_name("crossed")
    held_lists, held_posts = [], []
    page.route("**/douyin/comment/list/**", lambda route: held_lists.append(route))  # not sent yet
    page.route("**/douyin/comment/action/**", lambda route: held_posts.append((route, route.fetch())))  # stored

    open_panel(page, api_url, video)
    page.get_by_placeholder("Add a comment…").fill(text)
    page.get_by_role("button", name="Post").click()
    pump_until(page, lambda: held_lists and held_posts, "the list request and the stored post")
    held_lists[0].continue_()  # served now: it holds the new comment
    page.locator("ul.comment-list[aria-busy=false]").wait_for()
    shown(page, text).wait_for()
    route, answer = held_posts[0]
    route.fulfill(response=answer)  # the post's own answer comes last
    page.wait_for_function("() => document.querySelector('input[name=comment]').value === ''")

    assert shown(page, text).count() == 1
    assert page.locator(".sheet h2").text_content() == "1 comment"


def test_a_list_served_before_the_post_but_delivered_after_it_keeps_the_comment(api_url, new_page, video) -> None:
    page = new_page()
    sign_up(page, api_url, unique_name("cal"))
    text = unique_name("late-list")
    held_lists = []
    page.route("**/douyin/comment/list/**", lambda route: held_lists.append((route, route.fetch())))

    open_panel(page, api_url, video)
    pump_until(page, lambda: held_lists, "the list to be served")
    page.get_by_placeholder("Add a comment…").fill(text)
    page.get_by_role("button", name="Post").click()
    shown(page, text).wait_for()
    route, answer = held_lists[0]
    route.fulfill(response=answer)  # served before the post, so without it
    page.locator("ul.comment-list[aria-busy=false]").wait_for()

    assert shown(page, text).count() == 1
    assert re.fullmatch(r"\d+ comments?", page.locator(".sheet h2").text_content() or "")
    assert text in [c["content"] for c in api(api_url, "/douyin/comment/list/", video_id=video["id"])["comment_list"]]
