"""Bodies that are not UTF-8 get a fixed sentence through the local API, never a codec's error text."""

from __future__ import annotations

import pytest

from support.douyin import DouyinClient

NOT_UTF8 = "the request body is not valid UTF-8 text"


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


@pytest.mark.parametrize(
    ("data", "files"),
    [
        (b"username=\xff\xfe&password=quiet-Otter-42", None),
        (b"username=ab%FFcd&password=quiet-Otter-42", None),
        (None, {"username": (None, b"ab\xffcd"), "password": (None, b"quiet-Otter-42")}),
        (None, {"username": (None, b"alice"), "password": (None, b"\xc3\x28secret")}),
    ],
    ids=["raw-form", "percent-encoded-form", "multipart-username", "multipart-password"],
)
@pytest.mark.parametrize("path", ["/douyin/user/register/", "/douyin/user/login/"])
def test_invalid_utf8_in_a_body_gets_the_fixed_message(client, path, data, files):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else None

    body = client.call("POST", path, data=data, files=files, headers=headers)

    assert (body["status_code"], body["status_msg"]) == (10001, NOT_UTF8)
