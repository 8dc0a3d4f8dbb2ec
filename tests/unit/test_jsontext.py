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


RENDERED_ITEMS = [b'{"id":1,"title":"a \\"quoted\\" \\u00e9"}', b'{"id":2,"user":{"name":"\xc3\xa4"}}']


def test_rendered_items_are_embedded_as_they_are():
    document = {"status_code": 0, "video_list": jsontext.Rendered(RENDERED_ITEMS), "next_cursor": ""}

    assert jsontext.dumps(document) == (
        '{"status_code":0,"video_list":[{"id":1,"title":"a \\"quoted\\" \\u00e9"},{"id":2,"user":{"name":"ä"}}],'
        '"next_cursor":""}'
    )


def test_rendered_items_read_back_as_values():
    rendered = jsontext.Rendered(RENDERED_ITEMS)

    assert len(rendered) == 2
    assert list(rendered) == [{"id": 1, "title": 'a "quoted" é'}, {"id": 2, "user": {"name": "ä"}}]
    assert jsontext.dumps({"list": jsontext.Rendered([])}) == '{"list":[]}'


def test_rendered_items_survive_the_fallback_for_integers_beyond_64_bits():
    document = {"big": 2**70, "list": jsontext.Rendered(RENDERED_ITEMS)}

    assert json.loads(jsontext.dumps(document)) == {"big": 2**70, "list": list(jsontext.Rendered(RENDERED_ITEMS))}


def test_what_has_no_json_type_is_still_refused_or_converted_by_the_callers_default():
    with pytest.raises(TypeError):
        jsontext.dumps({"value": object()})
    assert jsontext.dumps({"value": {1, 2}}, default=sorted) == '{"value":[1,2]}'
