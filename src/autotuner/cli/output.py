"""What the CLI prints: the two consoles, JSON for scripts, sentences, and tables that fit the
terminal without breaking a word.

A table is printed as a boxed table when every column can be as wide as its longest word. When
it cannot (an 80-column terminal), the columns marked ``own_line`` leave the table: each row is
followed by those values on lines of their own, indented under the row, wrapped between words.
Only a single word wider than the whole terminal is ever cut.

Messages from the services are printed as plain text, never as Rich markup: a sentence such as
"High Throughput has [true]" keeps its brackets.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from autotuner.core.parameters import iter_leaves

console = Console()
err_console = Console(stderr=True)

Cell = str | Text


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_error(message: str) -> None:
    err_console.print(Text.assemble(("Error:", "bold red"), " ", message), soft_wrap=True)


def print_warning(message: str, *, to: Console | None = None) -> None:
    (to or err_console).print(Text.assemble(("Warning:", "yellow"), " ", message))


def print_labelled(label: str, style: str, message: str, *, to: Console | None = None) -> None:
    """``Conflict: <message>`` with the label styled and the message as plain text."""
    (to or console).print(Text.assemble((f"{label}:", style), " ", message))


def show_value(value: Any) -> str:
    """A parameter value as the user writes it: ``true``, ``0.9``, ``lpm``."""
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def parameter_lines(parameters: dict[str, Any]) -> list[str]:
    """``["tp-size: 1, 2", "mem-fraction-static: 0.9"]``, groups flattened to dotted names."""
    lines = []
    for path, values in iter_leaves(parameters):
        shown = ", ".join(show_value(v) for v in values) if isinstance(values, list) else show_value(values)
        lines.append(f"{'.'.join(path)}: {shown}")
    return lines


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    own_line: bool = False  # may leave the table for lines of its own under each row
    whole: bool = False  # its lines never wrap (``8 *``): the column is as wide as its longest line


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


def _longest_word(texts: Iterable[Text]) -> int:
    return max((cell_len(word) for t in texts for line in t.plain.splitlines() for word in line.split()), default=0)


def _longest_line(texts: Iterable[Text]) -> int:
    return max((cell_len(line) for t in texts for line in t.plain.splitlines()), default=0)


def fit_widths(minimums: Sequence[int], maximums: Sequence[int], room: int) -> list[int] | None:
    """Column widths within ``room``: each at least its minimum (its longest word), space left
    over shared in proportion to what each column still wants; None when the minimums do not fit."""
    widths = list(minimums)
    spare = room - sum(widths)
    if spare < 0:
        return None
    wants = [max(0, hi - lo) for lo, hi in zip(minimums, maximums, strict=True)]
    if sum(wants) <= spare:
        return [lo + want for lo, want in zip(minimums, wants, strict=True)]
    total = sum(wants)
    for i, want in enumerate(wants):
        share = want * spare // total
        widths[i] += share
    left = room - sum(widths)
    for i in sorted(range(len(widths)), key=lambda i: wants[i] - (widths[i] - minimums[i]), reverse=True):
        if left <= 0:
            break
        if widths[i] - minimums[i] < wants[i]:
            widths[i] += 1
            left -= 1
    return widths


def table_renderable(
    title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int
) -> RenderableType:
    """The table for a terminal ``width`` columns wide (see the module docstring)."""
    cells = [[_text(c) for c in row] for row in rows]
    headers = [Text(c.header) for c in columns]

    def measure(indexes: Sequence[int]) -> tuple[list[int], list[int]]:
        lows, highs = [], []
        for i in indexes:
            texts = [headers[i], *(row[i] for row in cells)]
            highs.append(_longest_line(texts))
            lows.append(highs[-1] if columns[i].whole else _longest_word(texts))
        return lows, highs

    every = list(range(len(columns)))
    lows, highs = measure(every)
    boxed = fit_widths(lows, highs, width - (3 * len(columns) + 1))  # bars and a space either side
    if boxed is not None:
        table = Table(title=title)
        for column, w in zip(columns, boxed, strict=True):
            table.add_column(column.header, width=w)
        for row in cells:
            table.add_row(*row)
        return table

    main = [i for i in every if not columns[i].own_line]
    moved = [i for i in every if columns[i].own_line]
    lows, highs = measure(main)
    gap = 2
    widths = fit_widths(lows, highs, width - gap * (len(main) - 1)) or lows
    indent = min(widths[0] + gap, max(0, width // 3))

    def line(values: Sequence[Text], style: str = "") -> Table:
        grid = Table.grid(padding=(0, gap, 0, 0))
        for w in widths:
            grid.add_column(width=w, overflow="fold")
        grid.add_row(*values, style=style)
        return grid

    across = min(width, sum(widths) + gap * (len(widths) - 1))
    parts: list[RenderableType] = [
        Text(title.center(across).rstrip(), style="italic"),
        line([headers[i] for i in main], "bold"),
    ]
    for row in cells:
        parts.append(line([row[i] for i in main]))
        for i in moved:
            if row[i].plain.strip():
                value = "; ".join(row[i].plain.splitlines())
                detail = Text.assemble((f"{columns[i].header}:", "dim"), " ", value)
                detail.overflow = "fold"
                parts.append(Padding(detail, (0, 0, 0, indent)))
    return Group(*parts)


def print_table(
    title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, to: Console | None = None
) -> None:
    out = to or console
    out.print(table_renderable(title, columns, rows, out.width))
