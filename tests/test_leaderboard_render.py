"""Ranking, suite labels and the two rendered files, without a browser."""

import json
import re
from dataclasses import replace

from maskft_bench.leaderboard import build_leaderboard
from maskft_bench.leaderboard.render_html import render_html, script_json
from maskft_bench.leaderboard.render_markdown import render_markdown
from maskft_bench.leaderboard.suites import suite_label
from maskft_bench.leaderboard.table import METHOD_COLOURS, Entry, boards, method_colours
from maskft_bench.suite.generate import SuiteOptions

MARKUP = "<img src=x onerror=alert(1)><b>x</b>"
ENTRY = Entry(id="a", suite="default", suite_command="maskft-bench generate --seed 0",
              model_name="m", method="masked", base_model="b", family="autoregressive",
              forward=0.5, reverse=0.25, bio_forward=0.9, bio_reverse=0.02,
              namedesc_forward=0.1, namedesc_reverse=0.48, reverse_chance=0.05, knowledge=0.375,
              math=0.1, aggregate=0.3,
              aggregate_stderr=0.01, retention=None, training_tokens=1000, training_flops=1e12,
              paraphrases=0, date="2026-11-27", notes="", recipe=None, seed=0)


def test_boards_per_suite_and_math_with_shared_ranks_for_ties():
    no_math = {"math": None, "aggregate": None, "aggregate_stderr": None}
    entries = [replace(ENTRY, id="low", aggregate=0.1), replace(ENTRY, id="t2", model_name="z"),
               replace(ENTRY, id="t1", model_name="a"), replace(ENTRY, id="best", aggregate=0.9),
               replace(ENTRY, id="other", suite="bio20-nd10-seed0", aggregate=0.95),
               replace(ENTRY, id="k-low", suite="bio20-nd10-seed0", knowledge=0.2, **no_math),
               replace(ENTRY, id="k-high", suite="bio20-nd10-seed0", knowledge=0.6, **no_math)]
    board_list = boards(reversed(entries))
    assert [b.key for b in board_list] == ["default", "bio20-nd10-seed0-nomath", "bio20-nd10-seed0"]
    assert [(r.rank, r.entry.id) for r in board_list[0].ranked] == [
        (1, "best"), (2, "t1"), (2, "t2"), (4, "low")]
    assert [r.entry.id for r in board_list[1].ranked] == ["k-high", "k-low"]
    assert (board_list[1].ranked_by, board_list[1].title) == (
        "knowledge", "bio20-nd10-seed0, without math")


def test_the_board_with_most_entries_comes_first_and_ties_are_ordered():
    def entries(suite, count, **change):
        return [replace(ENTRY, id=f"{suite}-{i}", suite=suite, **change) for i in range(count)]
    no_math = {"math": None, "aggregate": None, "aggregate_stderr": None}
    board_list = boards([*entries("default", 1), *entries("s-b", 2, **no_math), *entries("s-b", 2),
                         *entries("s-a", 2), *entries("s-c", 3, **no_math)])
    # 3 entries first; then the three boards of 2: by suite label, with math before without.
    assert [b.key for b in board_list] == ["s-c-nomath", "s-a", "s-b", "s-b-nomath", "default"]
    tied = boards([*entries("s-a", 2), *entries("default", 2)])
    assert [b.key for b in tied] == ["default", "s-a"]  # the default suite wins a tie


def test_suite_labels():
    assert suite_label(SuiteOptions()) == "default"
    assert suite_label(SuiteOptions(bio_people=20, namedesc=10)) == "bio20-nd10-seed0"
    assert suite_label(SuiteOptions(seed=3, paraphrases=2, math_test=20)) == \
        "bio100-nd30-seed3-p2-math1000.100.20"


def test_method_colours_are_fixed_for_the_reference_methods():
    colours = method_colours(["zeta", "masked", "alpha", "standard", "masked"])
    assert colours["masked"] == METHOD_COLOURS["masked"]
    assert colours["standard"] == METHOD_COLOURS["standard"]
    assert colours["alpha"] != colours["zeta"]
    assert colours == method_colours(["alpha", "zeta", "standard", "masked"])


def test_markdown_tables():
    text = render_markdown(boards([
        replace(ENTRY, model_name=MARKUP),
        replace(ENTRY, id="b", suite="bio20-nd10-seed0", retention=0.75),
        replace(ENTRY, id="c", suite="bio20-nd10-seed0", math=None, aggregate=None,
                family="diffusion")]))
    assert "## Suite `default`" in text and "## Suite `bio20-nd10-seed0`" in text
    default, other, no_math = text.split("## Suite `bio20-nd10-seed0")
    assert "retention" not in default.split("| rank")[1]  # no entry there has it
    directions = ("| forward | bio fwd | namedesc fwd | reverse | bio rev | namedesc rev | "
                  "rev chance |")
    assert f"| rank | model | method | family {directions} math | aggregate | retention |" in other
    assert "| m | masked | autoregressive | 0.500 | 0.900 | 0.100 | 0.250 | 0.020 | 0.480 | " \
        "0.050 | 0.100 |" in other
    assert "| 0.750 |" in other
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "**0.300** ± 0.010" in text and "| 1,000 |" in text
    assert f"| rank | model | method | family {directions} knowledge | training tokens | date |" \
        in no_math and "**0.375**" in no_math
    assert "| m | masked | diffusion | 0.500 | 0.900 |" in no_math


def test_script_json_cannot_close_the_script_element():
    value = {"notes": "</script><script>alert(1)</script> & <!--"}
    text = str(script_json(value))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_html_holds_submitted_strings_only_as_escaped_json():
    html = render_html(boards([replace(ENTRY, model_name=MARKUP, method="<i>m",
                                       notes="</script><script>alert(1)</script>")]))
    assert "<img" not in html and "<i>m" not in html and "alert(1)</script>" not in html
    data = re.search(r'<script type="application/json" id="leaderboard-data">(.*?)</script>', html,
                     re.S).group(1)
    assert json.loads(data)["entries"][0]["model_name"] == MARKUP
    assert "innerHTML" not in html.split("leaderboard-data")[-1]  # page.js never parses HTML


def test_build_is_deterministic_and_works_with_no_submissions(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    first = [p.read_bytes() for p in build_leaderboard(subs, tmp_path / "one")]
    second = [p.read_bytes() for p in build_leaderboard(subs, tmp_path / "two")]
    assert first == second
    assert b"No submissions yet." in first[0]
