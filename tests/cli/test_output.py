"""Tables that fit the terminal without breaking a word (rich Console of a given width)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from autotuner.cli.output import Column, fit_widths, print_table

COLUMNS = [Column("ID"), Column("Slug"), Column("Runtime"), Column("Parameters", own_line=True)]


def render(rows: list[list[str]], width: int, columns: list[Column] = COLUMNS) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    print_table("things", columns, rows, to=console)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


def words_of(lines: list[str]) -> set[str]:
    return {word.strip("│┃;:,") for line in lines for word in line.split()}


def test_fit_widths_gives_every_column_its_longest_word_and_shares_the_rest():
    assert fit_widths([2, 10, 5], [2, 30, 5], 80) == [2, 30, 5]  # room for every line whole
    widths = fit_widths([2, 10, 5], [2, 40, 25], 40)
    assert widths is not None and sum(widths) == 40
    assert widths[0] == 2 and widths[1] >= 10 and widths[2] >= 5
    assert fit_widths([20, 30], [20, 30], 49) is None  # the longest words alone do not fit


def test_a_table_that_fits_is_boxed_with_each_parameter_on_a_line():
    lines = render([["1", "high-throughput", "sglang", "tp-size: 2, 4\nmem-fraction-static: 0.9"]], 80)
    assert lines[1].startswith("┏") and lines[-1].startswith("└")
    assert [line.split("│")[4].strip() for line in lines[4:6]] == ["tp-size: 2, 4", "mem-fraction-static: 0.9"]


def test_a_table_too_wide_moves_its_long_column_under_each_row():
    rows = [
        ["1", "high-throughput", "sglang", "tp-size: 2, 4\nmem-fraction-static: 0.9\nschedule-conservativeness: 0.3"],
        ["2", "low-latency", "vllm", "max-num-seqs: 64"],
    ]
    lines = render(rows, 40)
    assert lines[1].split() == ["ID", "Slug", "Runtime"]
    assert lines[2].split() == ["1", "high-throughput", "sglang"]
    detail = " ".join(lines[3:-2])
    assert " ".join(detail.split()) == (
        "Parameters: tp-size: 2, 4; mem-fraction-static: 0.9; schedule-conservativeness: 0.3"
    )
    assert all(line.startswith("    ") for line in lines[3:-2])  # indented under the row
    assert lines[-2].split() == ["2", "low-latency", "vllm"]
    assert lines[-1].split() == ["Parameters:", "max-num-seqs:", "64"]


identifier = st.from_regex(r"[a-z][a-z0-9-]{0,23}", fullmatch=True)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    rows=st.lists(
        st.tuples(identifier, identifier, st.lists(identifier, min_size=1, max_size=4)), min_size=1, max_size=5
    ),
    width=st.integers(min_value=50, max_value=160),
)
def test_no_identifier_is_ever_broken_and_no_line_is_too_long(rows, width):
    table = [[str(i), slug, runtime, "\n".join(params)] for i, (slug, runtime, params) in enumerate(rows)]
    lines = render(table, width)
    assert max(cell_len(line) for line in lines) <= width
    assert {word for row in rows for word in (row[0], row[1], *row[2])} <= words_of(lines)
