"""Every validation rule, with a submission that breaks it and one that passes it."""

import gzip
import json

import pytest
from leaderboard_support import (
    SEED,
    answer_correctly,
    document_for_suite,
    drop_task,
    rescore,
    with_retention,
    write,
)

from maskft_bench.leaderboard import RULES, validate_submissions
from maskft_bench.leaderboard.limits import MAX_COMPRESSED_BYTES, MAX_JSON_BYTES
from maskft_bench.leaderboard.schema import SCHEMA_FILE
from maskft_bench.scoring.summary import MODEL_FAMILIES
from maskft_bench.suite import TASKS_COMPATIBLE

BIO = "maskft_bio_forward"


def verdict(path, **kwargs):
    [result] = validate_submissions([path], **kwargs)
    return result


def rejected_by(path, rule, **kwargs):
    result = verdict(path, **kwargs)
    assert not result.accepted, "expected a rejection"
    assert result.rule == rule, result.line()
    assert result.rule in RULES
    return result.message


def test_the_committed_seed_entry_passes_every_rule(seed_document):
    result = verdict(SEED)
    assert result.accepted, result.line()
    entry = result.entry
    assert (entry.suite, entry.method, entry.model_name) == ("default", "base", "SmolLM2-135M-Instruct")
    assert entry.aggregate == pytest.approx(0.016589285714285716, abs=1e-12)
    assert entry.retention is None
    assert entry.family == "autoregressive"  # its summary.json predates model_family
    tasks = seed_document["summary"]["tasks"]
    assert entry.namedesc_reverse == tasks["maskft_namedesc_reverse"]["accuracy"]


def test_a_summary_without_the_datasets_block_is_accepted(document, tmp_path):
    assert "datasets" not in document["summary"]  # the seed predates the block
    better = answer_correctly(document, "maskft_namedesc_reverse", 30)
    del better["summary"]["datasets"]
    result = verdict(write(better, tmp_path))
    assert result.accepted, result.line()
    assert result.entry.namedesc_reverse > result.entry.bio_reverse
    assert result.entry.reverse == (result.entry.bio_reverse + result.entry.namedesc_reverse) / 2


def test_a_rewritten_file_with_consistent_scores_passes(document, tmp_path):
    better = answer_correctly(document, BIO, 300, method="masked", model_name="masked-test")
    assert better["summary"]["datasets"]["bio"]["forward"]["value"] > 0.2  # the block is checked
    result = verdict(write(better, tmp_path))
    assert result.accepted, result.line()
    assert result.entry.forward > 0.2
    assert result.entry.bio_forward == better["summary"]["datasets"]["bio"]["forward"]["value"]


def test_reverse_chance_is_what_the_answers_earn_given_to_other_subjects(document, tmp_path):
    """Every reversed biography answered with one person's name: right for that person's
    questions only, which is exactly chance; answered right throughout: far above chance."""
    guess = answer_correctly(document, "maskft_bio_reverse", 0, method="masked", model_name="g")
    name = guess["samples"]["maskft_bio_reverse"][0]["doc"]["answers"][0]
    for task, text in (("maskft_bio_reverse", name), ("maskft_namedesc_reverse", "I do not know")):
        for sample in guess["samples"][task]:
            sample["resps"], sample["filtered_resps"] = [[text]], [text]
    rescore(guess)
    entry = verdict(write(guess, tmp_path)).entry
    assert entry.bio_reverse > 0 and entry.reverse_chance == pytest.approx(entry.reverse)

    recall = answer_correctly(document, "maskft_bio_reverse", 300, model_name="r")
    entry = verdict(write(recall, tmp_path)).entry
    assert entry.bio_reverse == pytest.approx(1.0) and entry.reverse_chance < 0.05


# file-type and file-size

def test_file_type(document, tmp_path):
    (tmp_path / "a.json.gz").mkdir()
    rejected_by(tmp_path / "a.json.gz", "file-type")
    json_file = tmp_path / "plain.json"
    json_file.write_text("{}")
    rejected_by(json_file, "file-type")
    link = tmp_path / "link.json.gz"
    link.symlink_to(SEED)
    rejected_by(link, "file-type")
    assert verdict(write(document, tmp_path)).accepted


def test_oversized_compressed_file(tmp_path):
    path = tmp_path / "big.json.gz"
    with path.open("wb") as f:
        f.truncate(MAX_COMPRESSED_BYTES + 1)  # sparse: costs nothing to make
    assert "compressed" in rejected_by(path, "file-size")


def test_zip_bomb_is_stopped_at_the_decompressed_cap(tmp_path):
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b" " * (MAX_JSON_BYTES + 1), compresslevel=1))
    assert path.stat().st_size < MAX_COMPRESSED_BYTES
    assert "decompressed" in rejected_by(path, "file-size")


# format

@pytest.mark.parametrize("content", [
    b"not gzip at all",
    gzip.compress(b"{not json"),
    gzip.compress(b'{"x": NaN}'),
    gzip.compress(b"[1, 2]"),
    gzip.compress("{}".encode("utf-16")),
    gzip.compress(b"[" * 100_000 + b"]" * 100_000),
])
def test_format(tmp_path, content):
    path = tmp_path / "x.json.gz"
    path.write_bytes(content)
    rejected_by(path, "format")


def test_truncated_file(tmp_path):
    path = tmp_path / SEED.name
    path.write_bytes(SEED.read_bytes()[:100_000])
    rejected_by(path, "format")


# schema

@pytest.mark.parametrize("change", [
    lambda d: d.pop("metadata"),
    lambda d: d["metadata"].update(training_tokens="many"),
    lambda d: d["metadata"].update(date="yesterday"),
    lambda d: d["metadata"].update(date="2026-11-27\n| injected | row |"),
    lambda d: d["metadata"].update(date="2026-11-27\n"),
    lambda d: d.update(extra="field"),
    lambda d: d["summary"]["tasks"][BIO].update(accuracy=1.5),
    lambda d: d["samples"][BIO][0].update(filtered_resps=[]),
    lambda d: d["samples"].update({"../etc": []}),
    lambda d: d["results"]["results"][BIO].update({"accuracy,none": "high"}),
    lambda d: d["summary"].update(model_family="transformer"),
    lambda d: d["summary"].update(model_family="<b>diffusion</b>"),
    lambda d: d["summary"].update(model_family=None),
])
def test_schema(document, tmp_path, change):
    change(document)
    rejected_by(write(document, tmp_path, name=SEED.name), "schema")


@pytest.mark.parametrize("family", MODEL_FAMILIES)
def test_model_family_is_read_from_the_summary(document, tmp_path, family):
    document["summary"]["model_family"] = family
    result = verdict(write(document, tmp_path))
    assert result.accepted, result.line()
    assert result.entry.family == family


def test_the_schema_allows_exactly_the_scorers_model_families():
    summary = json.loads(SCHEMA_FILE.read_text())["$defs"]["summary"]
    assert summary["properties"]["model_family"]["enum"] == list(MODEL_FAMILIES)
    assert "model_family" not in summary["required"]  # older summaries have none


# identifiers

@pytest.mark.parametrize(("field", "value"), [
    ("model_name", "../../etc/passwd"),
    ("model_name", "a\\b"),
    ("base_model", "HuggingFaceTB/SmolLM2-135M-Instruct"),
    ("method", "masked\n"),
    ("method", "mask\x1b[31med"),
    ("model_name", "evil\u202etxt.exe"),
    ("model_name", "x" * 101),
    ("model_name", ""),
    ("model_name", " padded"),
    ("notes", "bell\x07"),
    ("recipe", "two\nlines"),
])
def test_identifiers(document, tmp_path, field, value):
    document["metadata"][field] = value
    rejected_by(write(document, tmp_path, name=SEED.name), "identifiers")


def test_identifiers_may_hold_markup_and_unicode(document, tmp_path):
    document["metadata"].update(model_name="<b>Ünïcode <i>x",
                                notes="multi-line\nnotes with </script> are text")
    assert verdict(write(document, tmp_path)).accepted


# file-name

def test_file_name_is_derived_from_the_content(document, tmp_path):
    rejected_by(write(document, tmp_path, name="my-favourite.json.gz"), "file-name")
    document["metadata"]["id"] = "chosen-id"
    rejected_by(write(document, tmp_path, name="chosen-id.json.gz"), "file-name")


def test_file_name_changes_with_the_method(document, tmp_path):
    document["metadata"]["method"] = "masked"
    rejected_by(write(document, tmp_path, name=SEED.name), "file-name")
    assert verdict(write(document, tmp_path)).accepted


# suite

@pytest.mark.parametrize(("field", "value"), [
    ("suite_version", "1.0.0"),
    ("gsm8k", "user-supplied GSM8K"),
    ("bio_people", 10**9),
    ("namedesc", -1),
])
def test_suite(document, tmp_path, field, value):
    target = document["summary"] if field == "suite_version" else document["summary"]["suite_options"]
    target[field] = value
    rejected_by(write(document, tmp_path), "suite")


@pytest.mark.parametrize("version", TASKS_COMPATIBLE)
def test_versions_with_the_same_tasks_are_accepted(document, tmp_path, version):
    """1.2.0 changed only training paraphrases: a 1.1.0 score is a score on today's tasks."""
    document["summary"]["suite_version"] = version
    result = verdict(write(document, tmp_path))
    assert result.accepted, result.line()


def test_a_different_seed_is_a_different_suite(document, tmp_path):
    document["summary"]["suite_options"]["seed"] = 1
    assert "hash" in rejected_by(write(document, tmp_path), "task-hash")


# task-hash

def test_wrong_suite_hash(document, tmp_path):
    document["summary"]["task_hashes"][BIO] = "0" * 64
    assert BIO in rejected_by(write(document, tmp_path), "task-hash")


def test_missing_task_hash(document, tmp_path):
    del document["summary"]["task_hashes"]["maskft_retention"]
    rejected_by(write(document, tmp_path), "task-hash")


# complete

def test_limit_set(document, tmp_path):
    document["summary"]["limit"] = 20
    assert "--limit 20" in rejected_by(write(document, tmp_path), "complete")


def test_limit_set_in_lm_evals_config(document, tmp_path):
    document["results"]["config"]["limit"] = 20
    rejected_by(write(document, tmp_path), "complete")


def test_truncated_sample_log(document, tmp_path):
    document["samples"][BIO].pop()
    message = rejected_by(write(document, tmp_path), "complete")
    assert "sample log lines is 599" in message


def test_a_question_logged_twice(document, tmp_path):
    log = document["samples"][BIO]
    log[-1] = dict(log[0])
    assert "each question once" in rejected_by(write(document, tmp_path), "complete")


def test_missing_knowledge_task(document, tmp_path):
    drop_task(document, "maskft_bio_reverse")
    assert "maskft_bio_reverse" in rejected_by(write(document, tmp_path), "complete")


def test_math_is_optional(document, tmp_path):
    """The CPU pipeline does not score math: such an entry has knowledge, not aggregate."""
    drop_task(document, "maskft_gsm")
    assert set(document["summary"]["scores"]) == {"forward", "reverse"}
    result = verdict(write(document, tmp_path))
    assert result.accepted, result.line()
    entry = result.entry
    assert (entry.math, entry.aggregate) == (None, None)
    assert entry.knowledge == pytest.approx((entry.forward + entry.reverse) / 2)


def test_validation_split(document, tmp_path):
    document["summary"]["split"] = "val"
    rejected_by(write(document, tmp_path), "complete")


# samples

def test_references_changed_to_match_the_answer(document, tmp_path):
    sample = document["samples"][BIO][0]
    sample["doc"]["answers"] = [sample["filtered_resps"][0]]
    assert "not the suite's" in rejected_by(write(document, tmp_path), "samples")


def test_filtered_response_differs_from_the_response(document, tmp_path):
    document["samples"][BIO][0]["filtered_resps"] = ["something else"]
    rejected_by(write(document, tmp_path), "samples")


# metrics

@pytest.mark.parametrize("change", [
    lambda d: d["summary"]["tasks"][BIO].update(accuracy=d["summary"]["tasks"][BIO]["accuracy"] + 0.1),
    lambda d: d["summary"]["scores"]["aggregate"].update(value=0.9),
    lambda d: d["summary"]["scores"]["reverse"].update(stderr=0.0),
    lambda d: d["results"]["results"][BIO].update({"contains,none": 0.5}),
    lambda d: d["results"]["results"]["maskft"].update({"accuracy,none": 0.5}),
    lambda d: d["summary"]["scores"].pop("math"),
])
def test_tampered_score(document, tmp_path, change):
    change(document)
    rejected_by(write(document, tmp_path), "metrics")


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c["bio"]["reverse"].update(value=0.9), "datasets.bio.reverse.value: reported 0.9"),
    (lambda c: c["namedesc"]["forward"].update(stderr=0.0), "datasets.namedesc.forward.stderr"),
    (lambda c: c["bio"].pop("reverse"), "datasets.bio are ['forward'], expected"),
    (lambda c: c.update(math={}), "datasets are ['bio', 'math', 'namedesc'], expected"),
])
def test_a_forged_per_dataset_score(document, tmp_path, change, message):
    rescore(document)  # a summary with the block
    change(document["summary"]["datasets"])
    assert message in rejected_by(write(document, tmp_path), "metrics")


def test_a_per_dataset_score_without_its_stderr_is_refused_by_the_schema(document, tmp_path):
    rescore(document)
    del document["summary"]["datasets"]["bio"]["forward"]["stderr"]
    assert "datasets/bio/forward" in rejected_by(write(document, tmp_path), "schema")


@pytest.mark.parametrize("field", ["accuracy", "exact_match", "contains"])
def test_per_sample_scores_must_equal_the_recomputed_ones(document, tmp_path, field):
    sample = next(s for s in document["samples"][BIO] if s[field] == 0.0)
    sample[field] = 1.0
    message = rejected_by(write(document, tmp_path), "metrics")
    assert f"{BIO} question {sample['doc_id']} {field}: reported 1.0" in message


def test_the_target_must_be_the_suites_first_answer(document, tmp_path):
    document["samples"][BIO][0]["target"] = "anything"
    assert "is not the suite's first answer" in rejected_by(write(document, tmp_path), "samples")


def test_better_answers_without_updated_scores(document, tmp_path):
    better = answer_correctly(document, BIO, 50)
    better["summary"] = document["summary"]
    better["results"] = document["results"]
    assert BIO in rejected_by(write(better, tmp_path), "metrics")


def test_retention_is_recomputed_against_the_base_entry(document, tmp_path):
    worse = answer_correctly(document, BIO, 300)  # a different model, not a near-duplicate
    for sample in worse["samples"]["maskft_retention"][:40]:
        sample["resps"], sample["filtered_resps"] = [["no idea"]], ["no idea"]
    rescore(worse)
    reported = with_retention(worse, document)
    result = verdict(write(reported, tmp_path), against=[SEED])
    assert result.accepted, result.line()
    assert 0 < result.entry.retention < 1
    assert result.entry.retention == reported["summary"]["retention"]["value"]
    assert "method base" in rejected_by(write(reported, tmp_path), "retention-baseline")

    reported["summary"]["retention"]["value"] = 1.0
    rejected_by(write(reported, tmp_path), "metrics", against=[SEED])
    reported["baseline_retention_samples"] = None
    rejected_by(write(reported, tmp_path), "metrics", against=[SEED])


def test_retention_is_shown_without_a_claim_when_the_base_entry_is_there(document, tmp_path):
    other = answer_correctly(document, BIO, 300, method="masked")
    path = write(other, tmp_path)
    assert verdict(path, against=[SEED]).entry.retention == 1.0  # the same retention answers
    assert verdict(path).entry.retention is None  # no base entry: not shown


# duplicate

def test_duplicate_responses_under_another_name(document, tmp_path):
    first = write(document, tmp_path)
    document["metadata"].update(method="masked", model_name="renamed")
    second = write(document, tmp_path)
    assert first.name != second.name
    ok, dup = validate_submissions([first, second])
    assert ok.accepted and not dup.accepted
    assert (dup.rule, first.name in dup.message) == ("duplicate", True)


def test_duplicate_of_a_file_already_on_the_board(document, tmp_path):
    document["metadata"]["model_name"] = "same answers, new name"
    path = write(document, tmp_path)
    rejected_by(path, "duplicate", against=[SEED])
    assert verdict(path, against=[]).accepted


def test_one_changed_answer_is_a_near_duplicate(document, tmp_path):
    changed = answer_correctly(document, BIO, 1, model_name="my own model")
    message = rejected_by(write(changed, tmp_path), "duplicate", against=[SEED])
    assert f"near-duplicate of {SEED.name}: 99.9%" in message


def test_different_answers_are_not_duplicates(document, tmp_path):
    other = write(answer_correctly(document, BIO, 300), tmp_path)
    assert all(v.accepted for v in validate_submissions([SEED, other]))


def test_an_unreadable_file_on_the_board_is_skipped_for_duplicates(document, tmp_path):
    junk = tmp_path / "junk.json.gz"
    junk.write_bytes(b"junk")
    assert verdict(write(document, tmp_path), against=[junk]).accepted


def test_rules_are_reported_in_order(document, tmp_path):
    """A file that breaks several rules is rejected by the first: limit before metrics."""
    document["summary"]["limit"] = 5
    document["summary"]["scores"]["aggregate"]["value"] = 0.99
    rejected_by(write(document, tmp_path), "complete")



def test_a_generated_preset_suite_is_accepted_and_labelled(document, small_suite, tmp_path):
    result = verdict(write(document_for_suite(document, small_suite), tmp_path))
    assert result.accepted, result.line()
    assert result.entry.suite == "bio40-nd8-seed7-p2-math20.5.10"
    assert "--seed 7" in result.entry.suite_command


def test_messages_escape_what_could_steer_a_terminal(document, tmp_path):
    document["samples"]["maskft_\x1b[2Jevil"] = document["samples"][BIO]
    message = rejected_by(write(document, tmp_path), "schema")
    assert "\x1b" not in message and "\\x1b[2J" in message
    odd = tmp_path / "\x1b[31mred.json.gz"
    odd.write_bytes(b"")
    assert "\x1b" not in verdict(odd).line()
