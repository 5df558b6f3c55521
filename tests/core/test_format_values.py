"""format_values writes scalars and arrays of scalars itself (merge sentences ask it dozens of times
per merge): its text is exactly the JSON encoder's, for every value."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from autotuner.core.parameters import format_values

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner))


@given(SCALARS | st.lists(SCALARS, max_size=6) | VALUES)
def test_the_text_is_the_json_encoders(value):
    assert format_values(value) == json.dumps(value, ensure_ascii=False)


def test_what_json_cannot_write_is_shown_as_python_writes_it():
    assert format_values({1, 2}) == "{1, 2}"
    assert format_values([b"x"]) == "[b'x']"


def test_a_sentences_values_read_as_json():
    assert format_values(['quote " and \u00e9', True, 0.5, -3]) == '["quote \\" and \u00e9", true, 0.5, -3]'
