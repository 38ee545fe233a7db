"""--pack / --unpack: what a carried run holds, and archives that must be refused unwritten."""

from __future__ import annotations

import io
import json
import shutil
import tarfile

import pytest
from report_support import fake_run

from maskft_bench.cli import main
from maskft_bench.pipeline.carry import pack, unpack
from maskft_bench.pipeline.layout import Layout
from maskft_bench.pipeline.recipe import RecipeError
from maskft_bench.pipeline.report import write_report


@pytest.fixture
def run(tmp_path):
    """A constructed finished run (report_support) with weights, an optimizer checkpoint and
    a masked run of seed 1 that trained but was not scored."""
    recipe, layout = fake_run(tmp_path / "run")
    layout.marker.write_text(json.dumps({"recipe": recipe.name, "fingerprint": recipe.fingerprint()}))
    for seed in (0, 1):
        for name in ("standard", "masked", "standard@compute"):
            run = layout.run(seed, name)
            (run / "final").mkdir()
            (run / "final" / "maskft-train.json").write_text((run / "best" / "maskft-train.json").read_text())
            (run / "best" / "model.safetensors").write_bytes(b"\0" * 4096)
            (run / "checkpoint-20").mkdir()
            (run / "checkpoint-20" / "optimizer.pt").write_bytes(b"\0" * 4096)
    shutil.rmtree(layout.score(1, "masked"))
    return recipe, layout


def _names(archive):
    with tarfile.open(archive) as tar:
        return tar.getnames()


def test_pack_carries_finished_stages_without_weights_and_is_reproducible(run, tmp_path):
    recipe, layout = run
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    pack(layout, first)
    pack(layout, second)
    assert first.read_bytes() == second.read_bytes()
    names = _names(first)
    assert "pipeline.json" in names and "seed-0/runs/masked/best/maskft-train.json" in names
    assert "seed-0/runs/masked/metrics.jsonl" in names
    assert not [n for n in names if n.endswith((".safetensors", ".pt"))]
    assert not [n for n in names if n.startswith("seed-1/runs/masked/")]  # trained, not scored

    elsewhere = Layout(tmp_path / "elsewhere")
    unpack(first, recipe, elsewhere)
    for name in names:
        assert (elsewhere.out / name).read_bytes() == (layout.out / name).read_bytes()
    assert "## What the numbers say" in write_report(recipe, layout.out / "r.yaml",
                                                     elsewhere).read_text()


def _archive(path, members):
    """A tar.gz holding `members`: name -> bytes, or a TarInfo for links and such."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            if isinstance(data, tarfile.TarInfo):
                tar.addfile(data)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def _link(name):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return info


@pytest.mark.parametrize("members, message", [
    ({"../evil.txt": b"x"}, "not part of a carried run"),
    ({"/tmp/evil.txt": b"x"}, "not part of a carried run"),
    ({"seed-0/runs/masked/best/model.safetensors": b"x"}, "not part of a carried run"),
    ({"seed-0/suite/manifest.json": _link("seed-0/suite/manifest.json")}, "no links"),
    ({"report.md": b"x"}, "holds no pipeline.json"),
    ({"pipeline.json": b'{"fingerprint": "other"}'}, "another recipe"),
    ({"pipeline.json": b"not json"}, "not a packed run"),
])
def test_hostile_archives_are_refused_before_anything_is_written(run, tmp_path, members, message):
    recipe, _ = run
    archive = _archive(tmp_path / "x.tar.gz", members)
    target = Layout(tmp_path / "target")
    with pytest.raises(RecipeError, match=message):
        unpack(archive, recipe, target)
    assert not target.out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "x.tar.gz"]


def test_unpack_fills_only_an_empty_directory_and_needs_an_archive(run, tmp_path):
    recipe, layout = run
    archive = tmp_path / "state.tar.gz"
    pack(layout, archive)
    with pytest.raises(RecipeError, match="empty or new directory"):
        unpack(archive, recipe, layout)
    (tmp_path / "plain.txt").write_text("not an archive")
    with pytest.raises(RecipeError, match="not a packed run"):
        unpack(tmp_path / "plain.txt", recipe, Layout(tmp_path / "t"))
    with pytest.raises(RecipeError, match="no pipeline run there"):
        pack(Layout(tmp_path / "nothing"), tmp_path / "n.tar.gz")
    assert not (tmp_path / "n.tar.gz").exists()


def test_cli_pack_and_dry_run_are_one_or_the_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "cpu-default", "--pack", "x.tar.gz", "--dry-run"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
