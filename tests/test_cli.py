"""Bad input to `maskft-bench generate`: one-line error, exit code 2, nothing left behind."""

import subprocess
import sys

import pytest

from maskft_bench.cli import main


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(list(args)))
    return exit_info.value.code, capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "abc"], "argument --seed: expected an integer, got 'abc'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--bio-people", "1000000000"], "--bio-people must be between 1 and"),
        (["--bio-people", "0"], "--bio-people must be between 1 and"),
        (["--namedesc", "201"], "--namedesc must be between 1 and 200"),
        (["--paraphrases", "-1"], "--paraphrases must be between 0 and 1,000, got -1"),
        (["--math-test", "0"], "--math-test must be between 1 and 100,000, got 0"),
        (["--gsm8k", "/nonexistent-gsm8k"], "missing train.jsonl"),
    ],
)
def test_bad_options(capsys, tmp_path, args, message):
    out = tmp_path / "new" / "suite"
    code, captured = run_cli(capsys, "generate", "--out", str(out), "--quiet", *args)
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "new").exists()


def test_non_empty_output_dir_is_refused_and_untouched(capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    code, captured = run_cli(capsys, "generate", "--out", str(tmp_path), "--quiet")
    assert code == 2 and "directory is not empty" in captured.err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_output_under_a_file_is_refused(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, captured = run_cli(capsys, "generate", "--out", str(tmp_path / "file" / "suite"))
    assert code == 2 and "is not a directory" in captured.err


def test_unwritable_location_is_refused(capsys):
    # /proc refuses new entries even to root, unlike a chmod-ed directory; it has no free space,
    # so the size check refuses it before the first write would fail.
    code, captured = run_cli(capsys, "generate", "--out", "/proc/maskft-bench-suite", "--quiet")
    assert code == 2 and "more than the 0 B free there" in captured.err


def test_failure_midway_leaves_nothing(monkeypatch, tmp_path):
    """An error while writing removes the staging directory and any parents it created."""
    from maskft_bench.suite import emit
    from maskft_bench.suite.errors import SuiteError
    from maskft_bench.suite.generate import SuiteOptions, generate_suite

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(emit, "_task", broken)
    with pytest.raises(SuiteError, match="cannot write there .disk full"):
        generate_suite(tmp_path / "a" / "b", SuiteOptions(bio_people=3, namedesc=1,
                                                          math_train=2, math_val=1,
                                                          math_test=1), quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_empty_existing_output_dir_is_used(capsys, tmp_path):
    code, captured = run_cli(capsys, "generate", "--out", str(tmp_path), "--quiet",
                             "--bio-people", "3", "--namedesc", "1", "--math-train", "2",
                             "--math-val", "1", "--math-test", "1")
    assert code == 0 and (tmp_path / "manifest.json").is_file()
    assert not [p for p in tmp_path.parent.iterdir() if p.name.startswith(f".{tmp_path.name}.")]


def test_console_script_help_and_exit_code():
    help_text = subprocess.run(["maskft-bench", "generate", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "byte-identical" in help_text and "--bio-people" in help_text
    bad = subprocess.run([sys.executable, "-m", "maskft_bench.cli", "frobnicate"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'frobnicate'" in bad.stderr
