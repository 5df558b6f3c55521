"""Text the databases cannot store, found wherever it hides in a request."""

from __future__ import annotations

import pytest

from autotuner.core.text import find_unstorable


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("plain", None),
        ({"a": ["ok", 1, True, {"b": "fine"}]}, None),
        ("a\x00b", ("value", "a NUL character (\\u0000)")),
        ({"preset_ids": ["\x00"]}, ("preset_ids[0]", "a NUL character (\\u0000)")),
        ({"p": {"k\x00": [1]}}, ("p.k\x00", "a NUL character (\\u0000)")),
        ({"name": "x\ud800y"}, ("name", "an unpaired surrogate (\\ud800)")),
        ({"a": [[1, "\udfff"]]}, ("a[0][1]", "an unpaired surrogate (\\udfff)")),
        ("emoji 😀 and ünïcode are fine", None),
    ],
)
def test_find_unstorable(value, found):
    assert find_unstorable(value) == found
