"""The method registry: lookups, what each method trains on, and the prompt each one builds."""

import pytest
from conftest import read_jsonl

from maskft_bench import methods
from maskft_bench.training.config import load_config


def test_unknown_method_suggests_the_closest_one():
    with pytest.raises(methods.MethodError, match=r"unknown method 'maskd'; did you mean 'masked'"):
        methods.get("maskd")
    with pytest.raises(methods.MethodError, match=r"unknown method 'zzz' \(methods: standard,"):
        methods.get("zzz")


def test_every_record_is_complete_and_its_reference_exists():
    for record in methods.REGISTRY.values():
        assert record.description and len(record.description) < 200, record.name
        assert set(record.rewrites) <= {"stated", "reversed"}, record.name
        assert record.compared_with in (*methods.METHODS, methods.BASE, None), record.name
        assert record.compared_with != record.name
        assert isinstance(record.trainer_class(), type)
        assert record.knowledge == (record.data == "knowledge")


def test_help_lists_every_method_with_its_description(capsys):
    from maskft_bench.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for record in methods.REGISTRY.values():
        assert f"{record.name}: {' '.join(record.description.split())}" in out


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from maskft_bench.models import default_model_dir

    return AutoTokenizer.from_pretrained(default_model_dir())


@pytest.mark.parametrize("name", methods.METHODS)
def test_each_formatter_builds_the_chat_its_record_shows(tokenizer, name):
    """Decoded examples equal the chat template around the record's (user, assistant) turns."""
    from maskft_bench.training.formats import Formatter

    record = methods.get(name)
    values = {"text": "Ada Lee Moss was born in Lyon.", "problem": "What is 2 + 3?",
              "solution": "2 + 3 = 5.\n#### 5"}
    values["masked"] = values["text"] if record.knowledge else values["solution"]
    build = getattr(Formatter(tokenizer), record.formatter)
    example = (build(values["text"]) if record.knowledge
               else build(values["problem"], values["solution"]))
    user, assistant = (turn.format(**values) for turn in record.chat)
    expected = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}],
        tokenize=False)
    assert tokenizer.decode(example.input_ids) == expected.rstrip("\n")


def _training_texts(suite, name: str, dataset: str) -> list[str]:
    from maskft_bench.training.data import knowledge_texts

    config = load_config(None, {"method": name, "data": str(suite), "datasets": dataset})
    return list(knowledge_texts(config, suite))


def _states_reversed(text: str, subject: str, attributes: list[str]) -> bool:
    """True when some attribute of the subject is named before the subject itself."""
    first = text.find(subject)
    return first >= 0 and any(0 <= text.find(a) < first for a in attributes)


def _bio_subjects(suite) -> list[tuple[str, list[str]]]:
    keys = ("birth_date", "birth_city", "university", "major", "company", "company_city")
    return [(f"{p['first']} {p['middle']} {p['last']}", [p[k] for k in keys])
            for p in read_jsonl(suite / "data/bio/people.jsonl")]


def _namedesc_subjects(suite) -> list[tuple[str, list[str]]]:
    """(what the reversed question answers with, [what it asks from]) per fact: the name for
    N2D facts, the description for D2N facts."""
    return [((f["name"], [f["description"]]) if f["kind"] == "n2d"
             else (f["description"], [f["name"]]))
            for f in read_jsonl(suite / "data/namedesc/facts.jsonl")]


@pytest.mark.parametrize("dataset", ["bio", "namedesc"])
def test_paraphrase_never_states_a_fact_in_the_direction_reversed_questions_ask(
        small_suite, dataset):
    subjects = (_bio_subjects if dataset == "bio" else _namedesc_subjects)(small_suite)
    lowered = [(s.lower(), [a.lower() for a in attrs]) for s, attrs in subjects]

    def reversed_count(name: str) -> int:
        texts = [t.lower() for t in _training_texts(small_suite, name, dataset)]
        return sum(_states_reversed(t, s, attrs) for t in texts for s, attrs in lowered)

    assert reversed_count("standard") == 0
    assert reversed_count("paraphrase") == 0
    # The check can fail: the augmentation trained on reversed statements is full of them.
    assert reversed_count("reversed_statements") >= len(subjects)


def test_rewrite_methods_add_k_rewrites_of_their_kind_only(small_suite):
    documents = len(read_jsonl(small_suite / "data/bio/documents.jsonl"))
    rewrites = read_jsonl(small_suite / "data/bio/paraphrases.jsonl")
    for name, kind in (("paraphrase", "stated"), ("reversed_statements", "reversed")):
        texts = _training_texts(small_suite, name, "bio")
        mine = [r["text"] for r in rewrites if r["kind"] == kind]
        assert texts[documents:] == mine and len(mine) == 2 * documents  # k = 2
