"""Publish input rules that need no services: title and upload checks."""

from __future__ import annotations

import pytest

from gophertok.errors import InvalidInput, PayloadTooLarge
from gophertok.services.publishing import check_upload, clean_title


@pytest.mark.parametrize("title", [None, "", "   ", "\t\n"])
def test_missing_or_blank_title_is_rejected(title):
    with pytest.raises(InvalidInput, match="title is required"):
        clean_title(title)


def test_title_over_100_characters_is_rejected_and_100_is_fine():
    assert clean_title("字" * 100) == "字" * 100
    with pytest.raises(InvalidInput, match="at most 100"):
        clean_title("a" * 101)


def test_title_is_kept_exactly_as_typed_apart_from_masked_words():
    assert clean_title("  <b>Hello</b>,  World! 🎉 ") == "  <b>Hello</b>,  World! 🎉 "
    masked = clean_title("what the fuck, Gopher")
    assert masked == "what the ****, Gopher"


def test_missing_file_is_rejected():
    with pytest.raises(InvalidInput, match="data is required"):
        check_upload(None, 100)


def test_empty_file_is_rejected():
    with pytest.raises(InvalidInput, match="empty"):
        check_upload(b"", 100)


def test_file_over_the_limit_is_too_large_and_at_the_limit_is_fine():
    assert check_upload(b"x" * 100, 100) == b"x" * 100
    with pytest.raises(PayloadTooLarge, match="100 bytes"):
        check_upload(b"x" * 101, 100)
    with pytest.raises(PayloadTooLarge, match="2 MiB"):
        check_upload(b"x" * (2 * 1024 * 1024 + 1), 2 * 1024 * 1024)
