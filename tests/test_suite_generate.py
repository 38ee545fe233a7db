"""The generator's contract: deterministic bytes, answerable and unambiguous questions."""

import hashlib
import json
from collections import Counter
from pathlib import Path

from conftest import REPO, SMALL, read_jsonl

from maskft_bench.suite import SUITE_VERSION, templates
from maskft_bench.suite.generate import SuiteOptions, generate_suite


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_same_seed_gives_identical_bytes(small_suite, tmp_path):
    again = tmp_path / "again"
    generate_suite(again, SMALL, quiet=True)
    assert tree_hashes(again) == tree_hashes(small_suite)


def test_other_seed_gives_other_people(small_suite, tmp_path):
    other = tmp_path / "other"
    generate_suite(other, SuiteOptions(**{**SMALL.__dict__, "seed": 8}), quiet=True)
    people = {p["first"] + p["last"] for p in read_jsonl(small_suite / "data/bio/people.jsonl")}
    others = {p["first"] + p["last"] for p in read_jsonl(other / "data/bio/people.jsonl")}
    assert people != others


def test_shipped_tasks_equal_default_generation(tmp_path):
    """tasks/ is exactly what `maskft-bench generate` makes for the default seed."""
    fresh = tmp_path / "fresh"
    generate_suite(fresh, SuiteOptions(), quiet=True)
    assert tree_hashes(REPO / "tasks") == tree_hashes(fresh), (
        "tasks/ is stale: regenerate it with `maskft-bench generate --out tasks` (into an "
        "emptied tasks/) and bump SUITE_VERSION if the bytes changed on purpose"
    )


def test_manifest_hashes_every_file(small_suite, manifest):
    on_disk = tree_hashes(small_suite)
    on_disk.pop("manifest.json")
    assert manifest["files"] == on_disk
    assert manifest["suite_version"] == SUITE_VERSION
    assert manifest["seed"] == SMALL.seed
    for name, task in manifest["tasks"].items():
        assert len(read_jsonl(small_suite / task["data_file"])) == task["items"], name


def test_counts_follow_the_options(manifest):
    c = manifest["counts"]
    n, k = SMALL.bio_people, SMALL.paraphrases
    assert c["bio/documents.jsonl"] == n
    assert c["bio/paraphrases.jsonl"] == 2 * k * n
    assert c["bio/qa_forward_test.jsonl"] == 6 * n
    assert c["bio/qa_reverse_test.jsonl"] == 3 * n
    assert c["namedesc/documents.jsonl"] == 2 * SMALL.namedesc
    assert (c["math/train.jsonl"], c["math/val.jsonl"], c["math/test.jsonl"]) == (20, 5, 10)


def test_people_have_unique_names_and_company_cities(small_suite):
    people = read_jsonl(small_suite / "data/bio/people.jsonl")
    names = [f"{p['first']} {p['middle']} {p['last']}" for p in people]
    assert len(set(names)) == len(names)
    city_of = {}
    for p in people:  # the employer determines its city
        assert city_of.setdefault(p["company"], p["company_city"]) == p["company_city"]


def test_every_bio_answer_is_in_the_source_document(small_suite):
    documents = {d["subject"]: d["text"] for d in read_jsonl(small_suite / "data/bio/documents.jsonl")}
    for split in ("val", "test"):
        for direction in ("forward", "reverse"):
            for qa in read_jsonl(small_suite / f"data/bio/qa_{direction}_{split}.jsonl"):
                assert qa["answers"][0] in documents[qa["subject"]], qa["id"]


def test_reversed_attribute_triples_identify_exactly_one_person(small_suite):
    people = read_jsonl(small_suite / "data/bio/people.jsonl")
    for split in ("val", "test"):
        for qa in read_jsonl(small_suite / f"data/bio/qa_reverse_{split}.jsonl"):
            triple = qa["attributes"]
            assert len(set(triple)) == 3
            owner = next(p for p in people if p["id"] == qa["subject"])
            matching = [p for p in people if all(p[a] == owner[a] for a in triple)]
            assert matching == [owner], qa["id"]
            for a in triple:
                assert owner[a] in qa["question"]


def test_reversed_questions_of_a_person_use_distinct_triples(small_suite):
    asked = Counter()
    for split in ("val", "test"):
        for qa in read_jsonl(small_suite / f"data/bio/qa_reverse_{split}.jsonl"):
            asked[qa["subject"], frozenset(qa["attributes"])] += 1
    assert max(asked.values()) == 1


def test_namedesc_answers_and_directions(small_suite):
    facts = {f["id"]: f for f in read_jsonl(small_suite / "data/namedesc/facts.jsonl")}
    documents = {d["subject"]: d["text"] for d in read_jsonl(
        small_suite / "data/namedesc/documents.jsonl")}
    descriptions = [f["description"] for f in facts.values()]
    assert len(set(descriptions)) == len(descriptions)
    for direction in ("forward", "reverse"):
        for qa in read_jsonl(small_suite / f"data/namedesc/qa_{direction}_test.jsonl"):
            fact = facts[qa["subject"]]
            text = documents[fact["id"]]
            assert qa["answers"][0].lower() in text.lower()  # D2N statements capitalise it
            # Forward asks in the order the fact was stated: N2D name -> description.
            stated_name_first = text.startswith(fact["name"])
            asks_description = qa["answers"][0] == fact["description"]
            assert (direction == "forward") == (stated_name_first == asks_description), qa["id"]


def test_validation_and_test_phrasings_are_disjoint():
    groups = [templates.BIO_REVERSE, templates.NAMEDESC_TO_NAME, templates.NAMEDESC_TO_DESCRIPTION,
              *templates.BIO_FORWARD.values()]
    for by_split in groups:
        assert not set(by_split["val"]) & set(by_split["test"])


def test_documents_contain_no_question_phrasing(small_suite):
    text = " ".join(d["text"] for d in read_jsonl(small_suite / "data/bio/documents.jsonl"))
    assert "?" not in text


def test_math_items_end_with_a_final_answer(small_suite):
    questions = {}
    for split in ("train", "val", "test"):
        for item in read_jsonl(small_suite / f"data/math/{split}.jsonl"):
            assert item["answers"][1].rstrip().endswith(f"#### {item['answers'][0]}")
            assert item["prompt"].startswith(item["question"])
            questions[item["question"]] = split
    assert len(questions) == 35  # no problem text shared between splits


def test_math_from_user_gsm8k(tmp_path):
    gsm = tmp_path / "gsm8k"
    gsm.mkdir()
    rows = [{"question": f"What is {i} + 1?", "answer": f"{i} + 1 = {i + 1}\n#### {i + 1}"}
            for i in range(12)]
    for name in ("train", "test"):
        (gsm / f"{name}.jsonl").write_text("".join(
            json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "suite"
    options = SuiteOptions(bio_people=5, namedesc=2, paraphrases=0, math_train=8, math_val=2,
                           math_test=3, gsm8k=gsm)
    generate_suite(out, options, quiet=True)
    test = read_jsonl(out / "data/math/test.jsonl")
    assert [t["answers"][0] for t in test] == ["1", "2", "3"]
    assert read_jsonl(out / "data/math/val.jsonl")[-1]["question"] == "What is 11 + 1?"


def test_retention_probe_is_general_knowledge(small_suite):
    items = read_jsonl(small_suite / "data/retention/test.jsonl")
    questions = [i["question"] for i in items]
    assert len(set(questions)) == len(questions) >= 150
    capitals = {i["question"]: i["answers"] for i in items}
    assert capitals["What is the capital of France?"] == ["Paris"]
    sums = [i for i in items if " plus " in i["question"]]
    for item in sums:
        a, b = (int(x) for x in item["question"][8:-1].split(" plus "))
        assert item["answers"] == [str(a + b)]
