"""bioS-style biographies of fictional people, with forward and reversed questions.

Each person has six attributes; the employer fixes the work city, as in bioS. Every
reversed question lists three attributes that, together, belong to nobody else, so a
correct answer exists and is unique.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from . import templates as T
from .errors import SuiteError
from .pools import Pools, load_pools
from .records import PARAPHRASE_KINDS, QA, QA_FILES, Document, Paraphrase
from .seeding import stream

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 February left out on purpose
BIRTH_YEARS = range(1920, 2006)
TRIPLES = tuple(itertools.combinations(T.BIO_ATTRIBUTES, 3))
REVERSE_PER_PERSON = {"test": 3, "val": 1}
FORWARD_VAL_PER_PERSON = 2
_ORDERS = tuple(itertools.permutations(T.BIO_ATTRIBUTES))
_PRONOUNS = {"female": ("She", "Her", "her"), "male": ("He", "His", "his")}
# How a reversed rewrite spreads the three attribute pairs over its sentences.
_SENTENCE_SIZES = ((3,), (1, 2), (2, 1), (1, 1, 1))
_FORMS = tuple(T.BIO_REVERSED_FRAMES)
# The data files generate() yields records for, relative to the suite's data/bio/.
FILES = ("people.jsonl", "documents.jsonl", "paraphrases.jsonl", *QA_FILES)


@dataclass(frozen=True)
class Person:
    id: str
    first: str
    middle: str
    last: str
    gender: str
    birth_date: str
    birth_city: str
    university: str
    major: str
    company: str
    company_city: str

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.middle} {self.last}"

    def value(self, attribute: str) -> str:
        return getattr(self, attribute)


def name_capacity(pools: Pools) -> int:
    return len(pools.first) * len(pools.middle) * len(pools.last)


def _birth_date(rng: random.Random) -> str:
    month = rng.randrange(12)
    return f"{MONTHS[month]} {rng.randint(1, DAYS_IN_MONTH[month])}, {rng.choice(BIRTH_YEARS)}"


def sample_people(rng: random.Random, n: int, pools: Pools) -> list[Person]:
    """n people with distinct full names (drawn without replacement from the name grid)."""
    firsts, middles, lasts = pools.first, pools.middle, pools.last
    people = []
    for i, code in enumerate(rng.sample(range(name_capacity(pools)), n)):
        code, last = divmod(code, len(lasts))
        first, middle = divmod(code, len(middles))
        company, company_city = rng.choice(pools.companies)
        people.append(Person(
            id=f"bio-{i:06d}",
            first=firsts[first][0],
            middle=middles[middle],
            last=lasts[last],
            gender=firsts[first][1],
            birth_date=_birth_date(rng),
            birth_city=rng.choice(pools.cities),
            university=rng.choice(pools.universities),
            major=rng.choice(pools.majors),
            company=company,
            company_city=company_city,
        ))
    return people


def identifying_masks(people: list[Person]) -> list[int]:
    """For each person, a bit mask over TRIPLES: bit n is set when no other person shares that
    person's values of TRIPLES[n]. One triple's counts are held at a time, so memory grows by
    one counter entry per person, not one per person and triple."""
    masks = [0] * len(people)
    for n, triple in enumerate(TRIPLES):
        keys = [tuple(p.value(a) for a in triple) for p in people]
        counts = Counter(keys)
        for i, key in enumerate(keys):
            if counts[key] == 1:
                masks[i] |= 1 << n
    return masks


def _triples(mask: int) -> list[tuple[str, ...]]:
    return [t for n, t in enumerate(TRIPLES) if mask >> n & 1]


def _make_triples_identifying(rng: random.Random, people: list[Person]) -> list[int]:
    """Redraw birth dates of people with too few identifying triples until all have enough;
    returns each person's identifying_masks entry."""
    needed = sum(REVERSE_PER_PERSON.values())
    for _ in range(50):
        masks = identifying_masks(people)
        short = [i for i, mask in enumerate(masks) if mask.bit_count() < needed]
        if not short:
            return masks
        for i in short:
            people[i] = replace(people[i], birth_date=_birth_date(rng))
    raise SuiteError(
        f"could not give {len(people)} people identifying attribute triples; "
        "ask for fewer people or ship larger pools"
    )


def render(person: Person, order: tuple[str, ...], choices: dict[str, int]) -> str:
    """One paragraph; the first sentence names the person, later ones use pronouns."""
    pronoun, possessive, their = _PRONOUNS[person.gender]
    sentences = []
    for position, attribute in enumerate(order):
        template = T.BIO_SENTENCES[attribute][choices[attribute]]
        first = position == 0
        sentences.append(template.format(
            subject=person.full_name if first else pronoun,
            possessive=f"{person.full_name}'s" if first else possessive,
            their=their,
            value=person.value(attribute),
        ))
    return " ".join(sentences)


def _index(rng: random.Random, n: int) -> int:
    # random() is several times faster than randrange(); this runs millions of times at 100k people.
    return int(rng.random() * n)


def _choices(rng: random.Random) -> dict[str, int]:
    return {a: _index(rng, len(T.BIO_SENTENCES[a])) for a in T.BIO_ATTRIBUTES}


def _permuted(rng: random.Random) -> tuple[str, ...]:
    """A fact order other than the document's (index 0 is the identity permutation)."""
    return _ORDERS[1 + _index(rng, len(_ORDERS) - 1)]


def render_reversed(rng: random.Random, person: Person) -> str:
    """All six attributes, attribute pairs first and the full name last in every sentence."""
    values = {a: person.value(a) for a in T.BIO_ATTRIBUTES}
    pairs = rng.sample(T.BIO_REVERSED_PAIRS, len(T.BIO_REVERSED_PAIRS))
    sentences, used, start = [], set(), 0
    for size in _SENTENCE_SIZES[_index(rng, len(_SENTENCE_SIZES))]:
        form = _FORMS[_index(rng, len(_FORMS))]
        clauses = []
        for pair in pairs[start:start + size]:
            options = T.BIO_REVERSED_CLAUSES[pair][form]
            clauses.append(options[_index(rng, len(options))].format(**values))
        start += size
        joined = clauses[0] if size == 1 else f"{', '.join(clauses[:-1])} and {clauses[-1]}"
        # No frame twice in one rewrite: each form has at least as many frames as sentences.
        frames = [f for f in T.BIO_REVERSED_FRAMES[form] if f not in used]
        frame = frames[_index(rng, len(frames))]
        used.add(frame)
        sentences.append(frame.format(
            clauses=joined, Clauses=joined[0].upper() + joined[1:], name=person.full_name))
    return " ".join(sentences)


def paraphrases(rng: random.Random, person: Person, k: int) -> list[Paraphrase]:
    """k "stated" and k "reversed" rewrites (see PARAPHRASE_KINDS), all with fresh wording.

    The first stated rewrite keeps the document's sentence order, the others shuffle it.
    """
    texts = {
        "stated": [render(person, T.BIO_ATTRIBUTES if j == 0 else _permuted(rng), _choices(rng))
                   for j in range(k)],
        "reversed": [render_reversed(rng, person) for _ in range(k)],
    }
    return [Paraphrase(id=f"{person.id}-{kind}-{j}", source=person.id, kind=kind, text=text)
            for kind in PARAPHRASE_KINDS for j, text in enumerate(texts[kind])]


def forward_qa(rng: random.Random, person: Person, attribute: str, split: str) -> QA:
    question = rng.choice(T.BIO_FORWARD[attribute][split]).format(name=person.full_name)
    return QA.knowledge(f"{person.id}-forward-{attribute}-{split}", person.id, "forward",
                        question, [person.value(attribute)], [attribute])


def reverse_qa(rng: random.Random, person: Person, triple: tuple[str, ...], split: str) -> QA:
    shown = rng.sample(triple, len(triple))
    clauses = ", ".join(
        f"{n}) {T.BIO_ATTRIBUTE_CLAUSES[a].format(value=person.value(a))}"
        for n, a in enumerate(shown, 1)
    )
    question = rng.choice(T.BIO_REVERSE[split]).format(clauses=clauses)
    return QA.knowledge(f"{person.id}-reverse-{'-'.join(triple)}-{split}", person.id, "reverse",
                        question, [person.full_name], shown)


def check_people(n_people: int) -> None:
    """The set's own limit on its size (generate.check_options runs it before any work)."""
    capacity = name_capacity(load_pools())
    if not 1 <= n_people <= capacity:
        raise SuiteError(
            f"--bio-people must be between 1 and {capacity} "
            f"(the number of distinct full names the pools can make), got {n_people}"
        )


def generate(seed: int, n_people: int, k_paraphrases: int) -> Iterator[tuple[str, object]]:
    """The people now (so a bad count fails before anything is written), then, lazily, each
    person's (FILES entry, record) pairs: the files are written one person at a time."""
    check_people(n_people)
    pools = load_pools()
    people = sample_people(stream(seed, "bio/people"), n_people, pools)
    masks = _make_triples_identifying(stream(seed, "bio/people-fix"), people)
    return _records(seed, people, masks, k_paraphrases)


def _records(seed: int, people: list[Person], masks: list[int],
             k_paraphrases: int) -> Iterator[tuple[str, object]]:
    # Each file draws from its own stream, so interleaving the files per person gives the same
    # bytes as writing them one after the other.
    wording, para_rng, qa_rng = (stream(seed, f"bio/{s}") for s in ("wording", "paraphrase", "qa"))
    for person, mask in zip(people, masks, strict=True):
        yield "people.jsonl", person
        yield "documents.jsonl", Document(id=person.id, subject=person.id,
                                          text=render(person, T.BIO_ATTRIBUTES, _choices(wording)))
        for rewrite in paraphrases(para_rng, person, k_paraphrases):
            yield "paraphrases.jsonl", rewrite
        for split, item in _questions(qa_rng, person, _triples(mask)):
            yield f"qa_{item.direction}_{split}.jsonl", item


def _questions(rng: random.Random, person: Person,
               identifying: list[tuple[str, ...]]) -> Iterator[tuple[str, QA]]:
    """(split, question) pairs, drawn in a fixed order from the one stream."""
    for attribute in T.BIO_ATTRIBUTES:
        yield "test", forward_qa(rng, person, attribute, "test")
    for attribute in rng.sample(T.BIO_ATTRIBUTES, FORWARD_VAL_PER_PERSON):
        yield "val", forward_qa(rng, person, attribute, "val")
    picked = iter(rng.sample(identifying, sum(REVERSE_PER_PERSON.values())))
    for split, count in REVERSE_PER_PERSON.items():
        for _ in range(count):
            yield split, reverse_qa(rng, person, next(picked), split)
