"""The one Markdown table renderer and its cell escaping."""

import re

import pytest

from maskft_bench.markdown import escape, table


def test_table_rows_and_alignment():
    assert table(["a", "b"], [["1", "2"], ["x", "y"]], ["left", "right"]) == (
        "| a | b |\n|---|---:|\n| 1 | 2 |\n| x | y |")
    assert table(["a"], []) == "| a |\n|---|"  # the header alone: no rows yet


def test_malformed_tables_are_refused_in_one_line():
    with pytest.raises(ValueError, match=r"a row of 1 cells in a table of 2 columns"):
        table(["a", "b"], [["only"]])
    with pytest.raises(ValueError, match=r"align: expected 2 of left, right, got \['left'\]"):
        table(["a", "b"], [], ["left"])
    with pytest.raises(ValueError, match="align: expected 1"):
        table(["a"], [], ["centre"])


def test_escaped_cells_are_literal_text():
    cell = escape("<img src=x onerror=alert(1)> | *bold* [link](http://x) `code` \\")
    assert "<" not in cell and ">" not in cell
    assert re.search(r"(?<!\\)[|*\[\]`]", cell) is None
    assert table(["model"], [[escape("a|b")]]).splitlines()[-1] == "| a\\|b |"
