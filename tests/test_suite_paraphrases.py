"""Paraphrase kinds: "stated" rewrites keep each fact's direction, "reversed" ones turn it round.

The two kinds are different augmentations (only reversed text shows a model the direction the
reversed questions ask), so the direction of every rewrite is checked from its text alone.
"""

import re
from collections import Counter, defaultdict

from conftest import SMALL, read_jsonl

from maskft_bench.suite import bio, namedesc
from maskft_bench.suite.records import PARAPHRASE_KINDS
from maskft_bench.suite.templates import BIO_ATTRIBUTES

PRONOUN = re.compile(r"\b(?:he|she|his|her)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=\.)\s+")  # values are masked first: "St. Louis" is gone


def full_name(person: dict) -> str:
    return f"{person['first']} {person['middle']} {person['last']}"


def masked_sentences(text: str, person: dict) -> list[str]:
    """The rewrite's sentences with the full name as <N>, attribute values as <V>, pronouns as <P>.

    Values are masked before splitting, so a value with a full stop ("St. Louis") stays whole;
    longest first, so a city inside a company name is not masked twice.
    """
    text = text.replace(full_name(person), "<N>")
    for value in sorted({person[a] for a in BIO_ATTRIBUTES}, key=len, reverse=True):
        text = text.replace(value, "<V>")
    return SENTENCE_END.split(PRONOUN.sub("<P>", text).strip())


def first(sentence: str, *tokens: str) -> int:
    return min((sentence.find(t) for t in tokens if t in sentence), default=len(sentence))


def states_person_first(text: str, person: dict) -> bool:
    """Every sentence names the person (full name or pronoun) before any attribute value."""
    return all("<V>" in s and first(s, "<N>", "<P>") < s.index("<V>")
               for s in masked_sentences(text, person))


def states_attributes_first(text: str, person: dict) -> bool:
    """All six values appear, and in every sentence the full name follows all its values."""
    return all(person[a] in text for a in BIO_ATTRIBUTES) and all(
        "<V>" in s and "<N>" in s and "<P>" not in s and s.rindex("<V>") < s.index("<N>")
        for s in masked_sentences(text, person))


def name_first(text: str, fact: dict) -> bool:
    return text.index(fact["name"]) < text.lower().index(fact["description"].lower())


def test_every_document_gets_k_rewrites_of_each_kind(small_suite, manifest):
    assert manifest["paraphrase_kinds"] == list(PARAPHRASE_KINDS) == ["stated", "reversed"]
    for dataset in ("bio", "namedesc"):
        sources = [d["id"] for d in read_jsonl(small_suite / f"data/{dataset}/documents.jsonl")]
        rewrites = read_jsonl(small_suite / f"data/{dataset}/paraphrases.jsonl")
        assert Counter(r["kind"] for r in rewrites) == {
            kind: SMALL.paraphrases * len(sources) for kind in PARAPHRASE_KINDS}
        assert [r["id"] for r in rewrites] == [
            f"{s}-{kind}-{j}" for s in sources for kind in PARAPHRASE_KINDS
            for j in range(SMALL.paraphrases)]
        assert all(r["id"].startswith(r["source"] + "-") for r in rewrites)


def test_bio_rewrites_state_facts_in_their_kinds_direction(small_suite):
    people = {p["id"]: p for p in read_jsonl(small_suite / "data/bio/people.jsonl")}
    rewrites = read_jsonl(small_suite / "data/bio/paraphrases.jsonl")
    for r in rewrites:
        person = people[r["source"]]
        assert all(person[a] in r["text"] for a in BIO_ATTRIBUTES), r["id"]
        if r["kind"] == "stated":
            assert states_person_first(r["text"], person), r["id"]
            assert not states_attributes_first(r["text"], person), r["id"]
        else:
            assert states_attributes_first(r["text"], person), r["id"]
            assert not states_person_first(r["text"], person), r["id"]


def test_the_direction_checks_tell_the_documents_apart(small_suite):
    """The checks above are not vacuous: every document reads person first, none the other way."""
    people = {p["id"]: p for p in read_jsonl(small_suite / "data/bio/people.jsonl")}
    for d in read_jsonl(small_suite / "data/bio/documents.jsonl"):
        assert states_person_first(d["text"], people[d["subject"]]), d["id"]
        assert not states_attributes_first(d["text"], people[d["subject"]]), d["id"]


def test_first_stated_bio_rewrite_keeps_the_document_order_the_others_shuffle(small_suite):
    people = {p["id"]: p for p in read_jsonl(small_suite / "data/bio/people.jsonl")}
    checked = 0
    for r in read_jsonl(small_suite / "data/bio/paraphrases.jsonl"):
        values = [people[r["source"]][a] for a in BIO_ATTRIBUTES]
        if r["kind"] != "stated" or any(v in w for v in values for w in values if v != w) \
                or len(set(values)) < len(values):
            continue  # positions are only unambiguous when no value holds another
        positions = [r["text"].index(v) for v in values]
        assert (positions == sorted(positions)) == r["id"].endswith("-0"), r["id"]
        checked += 1
    assert checked >= SMALL.bio_people


def test_namedesc_rewrites_state_facts_in_their_kinds_direction(small_suite):
    facts = {f["id"]: f for f in read_jsonl(small_suite / "data/namedesc/facts.jsonl")}
    for r in read_jsonl(small_suite / "data/namedesc/paraphrases.jsonl"):
        fact = facts[r["source"]]
        stated_name_first = fact["kind"] == "n2d"  # N2D facts are written name first
        expected = stated_name_first if r["kind"] == "stated" else not stated_name_first
        assert name_first(r["text"], fact) == expected, r["id"]


def test_questions_and_documents_do_not_depend_on_the_paraphrase_count():
    """Paraphrases draw from their own streams: changing k leaves every scored question alone."""
    def by_file(records):
        files = defaultdict(list)
        for name, record in records:
            files[name].append(record)
        return files

    def namedesc_records(seed, n, k):
        return namedesc.records(namedesc.generate(seed, n, k))

    for generate, n in ((bio.generate, 30), (namedesc_records, 6)):
        few, many = by_file(generate(SMALL.seed, n, 1)), by_file(generate(SMALL.seed, n, 3))
        rest = set(few) - {"paraphrases.jsonl"}
        assert rest and {name: few[name] for name in rest} == {name: many[name] for name in rest}
        assert many["paraphrases.jsonl"] and not by_file(generate(SMALL.seed, n, 0))["paraphrases.jsonl"]


def test_suite_readme_says_what_each_kind_is(small_suite):
    readme = (small_suite / "README.md").read_text()
    for kind, what in PARAPHRASE_KINDS.items():
        assert f"`{kind}`: {what}." in readme
