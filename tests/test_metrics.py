"""Hand-worked cases for the scoring rules (maskft_bench.metrics)."""

import pytest

from maskft_bench import metrics


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        # Reference "Kelfell College" -> {Kelfell, College}; both present.
        ("She studied at Kelfell College.", ["Kelfell College"], 1.0),
        # Stop-words and punctuation do not count: "the University of Elmswick" -> {University, Elmswick}.
        ("Elmswick, I think.", ["the University of Elmswick"], 0.5),
        # Case-sensitive, as the paper's rouge scorer: "kelfell" does not match "Kelfell".
        ("kelfell college", ["Kelfell College"], 0.0),
        # Max over references.
        ("Born in Malmo", ["Chiang Mai", "Malmo"], 1.0),
        # A date: {August, 4, 1962}; "4" missing -> 2/3.
        ("August 1962", ["August 4, 1962"], 2 / 3),
        # Repeated words count once (unigram sets).
        ("Ada Ada", ["Ada Ada Lee"], 0.5),
        ("", ["Kelfell College"], 0.0),
        # Curly quotes are tokens of their own, as nltk's word_tokenize splits them.
        ("“Kelfell College”", ["Kelfell College"], 1.0),
        # A reference made only of stop-words cannot be recalled.
        ("anything", ["the of a"], 0.0),
    ],
)
def test_rouge1_recall(prediction, references, expected):
    assert metrics.rouge1_recall(prediction, references) == pytest.approx(expected)


def test_rouge1_recall_needs_a_reference():
    with pytest.raises(ValueError, match="at least one reference"):
        metrics.rouge1_recall("x", [])


def test_stop_words_are_the_papers_fourteen():
    assert len(metrics.STOP_WORDS) == 14
    assert {"a", "the", "new", "for"} <= metrics.STOP_WORDS


@pytest.mark.parametrize(
    ("prediction", "reference", "exact", "contains"),
    [
        ("Kelfell College", "Kelfell College", 1.0, 1.0),
        ("  kelfell college. ", "Kelfell College", 1.0, 1.0),
        ("She went to Kelfell College in 1980.", "Kelfell College", 0.0, 1.0),
        # Word boundaries: "Mai" is not contained in "Maine".
        ("Maine", "Mai", 0.0, 0.0),
        ("Kelfell", "Kelfell College", 0.0, 0.0),
    ],
)
def test_exact_and_contains(prediction, reference, exact, contains):
    assert metrics.exact_match(prediction, [reference]) == exact
    assert metrics.contains(prediction, [reference]) == contains


@pytest.mark.parametrize(
    ("text", "strict", "expected"),
    [
        ("12 + 24 = 36\n#### 36", False, 36.0),
        ("#### 1,234", True, 1234.0),
        ("so the answer is 7 apples, then 9", False, 9.0),
        ("so the answer is 7 apples", True, None),
        ("#### -3.5", True, -3.5),
        ("no numbers", False, None),
        # The last '####' wins when a model repeats itself.
        ("#### 4\n#### 5", True, 5.0),
        # Flexible is lm-eval's gsm8k flexible-extract: the last number, even after '####'.
        ("#### 18\nbecause 3 apples", False, 3.0),
        ("#### 18\nbecause 3 apples", True, 18.0),
    ],
)
def test_final_number(text, strict, expected):
    assert metrics.final_number(text, strict=strict) == expected


def test_score_math_reports_flexible_strict_and_contains():
    gold = ["70", "... #### 70"]
    assert metrics.score_math("12 + 24 + 34 = 70\n#### 70", gold) == {
        "accuracy": 1.0, "exact_match": 1.0, "contains": 1.0}
    # No '####': flexible extraction (last number) still finds it, strict does not.
    assert metrics.score_math("In total there are 70 students.", gold) == {
        "accuracy": 1.0, "exact_match": 0.0, "contains": 1.0}
    # Right number mentioned, wrong final answer.
    assert metrics.score_math("70 - 5 = 65\n#### 65", gold) == {
        "accuracy": 0.0, "exact_match": 0.0, "contains": 1.0}
    # 232.0 in the reference equals 232 in the answer.
    assert metrics.score_math("#### 232", ["232.0"])["accuracy"] == 1.0


def test_every_scorer_reports_the_same_metric_names():
    """lm-eval's group average needs identical metric names in every subtask."""
    assert set(metrics.score("knowledge", "a", ["a"])) == set(metrics.METRICS)
    assert set(metrics.score("math", "1", ["1"])) == set(metrics.METRICS)


def test_unknown_scoring_kind_is_named():
    with pytest.raises(ValueError, match="unknown scoring kind 'poetry'"):
        metrics.score("poetry", "a", ["a"])
