"""jsontext: compact JSON out (orjson, json for what orjson refuses) and cache entries parsed in one call."""

from __future__ import annotations

import json

import pytest

from gophertok import jsontext


def test_entries_parse_in_order_and_absent_or_empty_ones_read_none():
    entries = ['{"id":1,"name":"ä"}', None, "", '{"id":2}', "[1,2]"]

    assert jsontext.loads_many(entries) == [{"id": 1, "name": "ä"}, None, None, {"id": 2}, [1, 2]]


def test_no_entries_no_values():
    assert jsontext.loads_many([]) == []


def test_a_broken_entry_is_an_error_not_a_shifted_page():
    with pytest.raises(ValueError):
        jsontext.loads_many(['{"id":1}', '{"id":'])


def test_integers_beyond_64_bits_fall_back_to_json():
    document = {"big": 2**70}

    assert json.loads(jsontext.dumps(document)) == document
