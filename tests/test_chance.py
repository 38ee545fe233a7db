"""Chance for reversed questions: a run's own answers scored against the other subjects of
their kind (maskft_bench/chance.py). A model that names a trained person at random must score
what chance says; one that names the right person must beat it."""

from __future__ import annotations

import statistics

import pytest

from maskft_bench.chance import chance_scores, kind
from maskft_bench.significance import SignificanceError, sample_scores

PEOPLE = ["Isabel Anne Peterson", "Sienna Madison Abernathy", "Bridget William Ostrowski",
          "Marcella Tucker Brooks", "Wyatt Keaton Johnson"]


def sample(subject: str, number: int, reference: str, answer: str) -> dict:
    return {"doc": {"id": f"{subject}-reverse-test-{number}", "subject": subject,
                    "scoring": "knowledge", "answers": [reference]},
            "filtered_resps": [answer]}


def people(answer_for) -> list[dict]:
    """Three reversed questions about each person; `answer_for(i, k)` answers question k on i."""
    return [sample(f"bio-{i:06d}", k, name, answer_for(i, k))
            for i, name in enumerate(PEOPLE) for k in range(3)]


def means(samples: list[dict]) -> tuple[float, float]:
    real = sample_scores(samples, "log")
    chance = chance_scores(samples, "log")
    return (statistics.fmean(v for _, v in real.values()),
            statistics.fmean(v for _, v in chance.values()))


def test_the_same_name_for_every_question_scores_exactly_chance():
    real, chance = means(people(lambda i, k: f"That is {PEOPLE[2]}."))
    assert real == pytest.approx(1 / len(PEOPLE)) and chance == pytest.approx(real)


def test_a_name_drawn_at_random_scores_chance_on_average():
    real, chance = means(people(lambda i, k: PEOPLE[(3 * i + 7 * k + 1) % len(PEOPLE)]))
    assert abs(real - chance) < 0.1


def test_the_right_name_every_time_beats_chance_by_all_it_scores():
    real, chance = means(people(lambda i, k: f"{PEOPLE[i]} fits."))
    assert (real, chance) == (1.0, 0.0)


def test_names_and_descriptions_are_guessed_among_their_own_kind():
    """A reversed D2N question's answer is a description: chance pools the other
    descriptions, never the names of N2D facts asked in the same task."""
    samples = [sample("nd-n2d-0000", 0, "Tristan Ortiz", "Tristan Ortiz"),
               sample("nd-n2d-0001", 0, "Freya Szczepanski", "Tristan Ortiz"),
               sample("nd-d2n-0000", 0, "the painter of 'Frozen Mirror'",
                      "He is the painter of 'Frozen Mirror'"),
               sample("nd-d2n-0001", 0, "the author of 'Wandering Lantern'",
                      "He is the painter of 'Frozen Mirror'")]
    chance = chance_scores(samples, "log")
    assert chance["nd-n2d-0001-reverse-test-0"] == ("nd-n2d-0001", 1.0)  # names the other one
    assert chance["nd-n2d-0000-reverse-test-0"] == ("nd-n2d-0000", 0.0)
    assert chance["nd-d2n-0001-reverse-test-0"][1] == 1.0
    assert kind("nd-d2n-0001") == "nd-d2n" and kind("bio-000012") == "bio"


def test_a_subject_alone_of_its_kind_is_its_own_chance():
    only = [sample("bio-000000", 0, PEOPLE[0], PEOPLE[0])]
    assert chance_scores(only, "log") == sample_scores(only, "log")


def test_a_sample_of_another_shape_is_named_in_one_line():
    with pytest.raises(SignificanceError, match=r"^run/log: not samples of this suite \(KeyError"):
        chance_scores([{"doc": {"id": "q"}, "filtered_resps": ["x"]}], "run/log")


def test_chance_is_bounded_to_the_peers_that_follow_each_subject(monkeypatch):
    """Exact up to PEERS + 1 subjects of a kind; beyond, each answer meets PEERS of them."""
    import maskft_bench.chance as chance

    monkeypatch.setattr(chance, "PEERS", 2)
    samples = people(lambda i, k: PEOPLE[(i + 1) % len(PEOPLE)])  # always the next person
    scored = chance_scores(samples, "log")
    assert {v for _, v in scored.values()} == {0.5}  # the next two: the named one and another
    monkeypatch.setattr(chance, "PEERS", 4)
    assert {v for _, v in chance_scores(samples, "log").values()} == {0.25}  # all four others
