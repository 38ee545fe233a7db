"""Atomic file writes and JSON reads with one-line errors (maskft_bench.atomic)."""

import json
import os

import pytest

from maskft_bench.atomic import ReadError, read_json, write_json, write_text


def test_writes_replace_whole_files_and_leave_no_temporary(tmp_path):
    path = tmp_path / "new" / "report.md"
    write_text(path, "first")
    write_text(path, "second ✓")
    assert path.read_text() == "second ✓" and os.listdir(path.parent) == ["report.md"]
    assert path.stat().st_mode & 0o777 == 0o644
    write_json(tmp_path / "a.json", {"b": 1, "a": [2]}, sort_keys=True)
    assert (tmp_path / "a.json").read_text() == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "index.json"
    write_json(path, {"kept": True})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"kept": True} and os.listdir(tmp_path) == ["index.json"]


def test_read_json_names_the_file_in_one_line_or_returns_the_default(tmp_path):
    path = tmp_path / "summary.json"
    with pytest.raises(ReadError, match=r"summary.json: cannot read \(No such file or directory\)$"):
        read_json(path)
    path.write_text("{not json")
    with pytest.raises(ReadError, match=r"summary.json: not JSON \(Expecting property name") as err:
        read_json(path)
    assert "\n" not in str(err.value)
    assert read_json(path, default=None) is None and read_json(tmp_path / "x", default={}) == {}
    path.write_text('{"a": 1}')
    assert read_json(path) == {"a": 1}
