"""The pipeline's submit stage when two runs of one seed end on the same model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from leaderboard_support import answer_correctly, score_dir

from maskft_bench.leaderboard import LeaderboardError, create_submission
from maskft_bench.leaderboard.submission import SubmissionMeta
from maskft_bench.pipeline import stages
from maskft_bench.pipeline.layout import Layout
from maskft_bench.pipeline.recipe import parse

RECIPE = parse({"name": "mini", "seeds": [0], "methods": ["standard", "masked"],
                "compute": {"match": "masked", "methods": ["standard"]},
                "train": {"epochs": 1}}, Path("mini.yaml"))


def test_a_compute_matched_run_on_the_same_checkpoint_shares_one_entry(document, tmp_path):
    """standard@compute selecting the very step standard selected gives the same answers: the
    board keeps one entry, the stage is done, and resubmitting either deletes nothing shared."""
    layout = Layout(tmp_path / "run")
    for name in ("standard", "standard@compute"):
        score_dir(document, layout.score(0, name))
    stages._submit(RECIPE, Path("mini.yaml"), layout, 0, "standard")
    stages._submit(RECIPE, Path("mini.yaml"), layout, 0, "standard@compute")
    index = json.loads(layout.submitted.read_text())
    assert index["0/standard@compute"]["same_as"] == "0/standard"
    assert index["0/standard@compute"]["file"] == index["0/standard"]["file"]
    assert len(list(layout.submissions.iterdir())) == 1
    assert stages._submitted(layout, 0, "standard") and stages._submitted(layout, 0, "standard@compute")

    stages._submit(RECIPE, Path("mini.yaml"), layout, 0, "standard@compute")  # again
    assert (layout.submissions / index["0/standard"]["file"]).is_file()


def test_a_duplicate_of_someone_elses_entry_still_fails(document, tmp_path):
    layout = Layout(tmp_path / "run")
    other = score_dir(answer_correctly(document, "maskft_bio_forward", 50), tmp_path / "other")
    theirs = create_submission(other, layout.submissions, SubmissionMeta(method="x", base_model="y"))
    score_dir(answer_correctly(document, "maskft_bio_forward", 50), layout.score(0, "masked"))
    with pytest.raises(LeaderboardError, match="duplicate") as err:
        stages._submit(RECIPE, Path("mini.yaml"), layout, 0, "masked")
    assert err.value.__cause__.other == theirs.name
    assert not layout.submitted.exists()
