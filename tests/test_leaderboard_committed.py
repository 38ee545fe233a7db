"""CI's check of leaderboard/: every submission is accepted and the rendered files are current."""

from leaderboard_support import REPO, SUBMISSIONS

from maskft_bench.leaderboard import build_leaderboard, validate_submissions
from maskft_bench.leaderboard.build import submission_files


def test_every_committed_submission_is_accepted():
    verdicts = validate_submissions(submission_files(SUBMISSIONS))
    assert verdicts, "leaderboard/submissions/ is empty"
    rejected = [v.line() for v in verdicts if not v.accepted]
    assert not rejected, rejected


def test_rendered_files_are_up_to_date(tmp_path):
    for built in build_leaderboard(SUBMISSIONS, tmp_path):
        committed = REPO / "leaderboard" / built.name
        assert built.read_bytes() == committed.read_bytes(), (
            f"leaderboard/{built.name} is out of date: run `maskft-bench leaderboard build` and "
            "commit the result")
