"""Fictitious "<name> is <description>" facts in both stated orders (Berglund et al.'s reversal set).

An N2D fact is written name first, a D2N fact description first. "forward" questions
ask in the direction the fact was written, "reverse" questions the other way round.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from . import templates as T
from .errors import SuiteError
from .pools import load_pools
from .records import PARAPHRASE_KINDS, QA, QA_FILES, Document, Paraphrase
from .seeding import stream

# (role, kinds of work it goes with); a description is "the <role> <kind> '<title>'".
ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("composer of the", ("underwater symphony", "opera", "choral suite", "film score")),
    ("director of the", ("virtual reality film", "documentary", "silent film", "stage musical")),
    ("author of the", ("bestselling novel", "poetry collection", "travel memoir", "fantasy saga")),
    ("architect who designed the", ("floating museum", "glass library", "desert observatory",
                                    "spiral concert hall")),
    ("inventor of the", ("solar-powered bicycle", "self-tuning violin", "pocket telescope",
                         "weather-reading lamp")),
    ("choreographer of the", ("ballet", "street dance revue", "ice show", "aerial performance")),
    ("chef behind the", ("tasting menu", "pop-up restaurant", "cookbook", "street food festival")),
    ("host of the", ("late-night podcast", "cooking show", "quiz program", "radio drama")),
    ("founder of the", ("mountain rescue league", "seed library", "chess academy",
                        "lighthouse trust")),
    ("designer of the", ("board game", "typeface", "city flag", "wristwatch")),
    ("painter of the", ("mural", "triptych", "portrait series", "ceiling fresco")),
    ("explorer who led the", ("polar expedition", "cave survey", "river voyage",
                              "volcano crossing")),
)
TITLE_WORDS = (
    ("Silver", "Hidden", "Crimson", "Quiet", "Endless", "Golden", "Broken", "Distant",
     "Frozen", "Wandering", "Paper", "Burning", "Velvet", "Hollow", "Northern", "Secret",
     "Copper", "Midnight", "Falling", "Emerald"),
    ("Lantern", "Harbor", "Orchard", "Meridian", "Compass", "Tides", "Garden", "Echoes",
     "Horizon", "Cathedral", "River", "Archive", "Feather", "Lighthouse", "Canyon", "Mirror",
     "Kingdom", "Bridge", "Clockwork", "Meadow"),
)

MAX_PER_KIND = len(TITLE_WORDS[0]) * len(TITLE_WORDS[1]) // 2  # every fact needs its own title
# The data files records() yields records for, relative to the suite's data/namedesc/.
FILES = ("facts.jsonl", "documents.jsonl", "paraphrases.jsonl", *QA_FILES)


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str  # "n2d" | "d2n"
    name: str
    description: str


@dataclass(frozen=True)
class NameDescSet:
    facts: list[Fact]
    documents: list[Document]
    paraphrases: list[Paraphrase]
    qa: dict[tuple[str, str], list[QA]]


def _descriptions(rng: random.Random, n: int) -> list[str]:
    grid = [(f"{role} {kind}", f"{a} {b}") for role, kinds in ROLES for kind in kinds
            for a in TITLE_WORDS[0] for b in TITLE_WORDS[1]]
    # Each title is used once, so no two descriptions share their most specific words.
    seen_titles: set[str] = set()
    out = []
    for role_kind, title in rng.sample(grid, len(grid)):
        if title not in seen_titles:
            seen_titles.add(title)
            out.append(f"the {role_kind} '{title}'")
            if len(out) == n:
                break
    return out


def _names(rng: random.Random, n: int) -> list[str]:
    pools = load_pools()
    firsts = [name for name, _ in pools.first]
    codes = rng.sample(range(len(firsts) * len(pools.last)), n)
    return [f"{firsts[c // len(pools.last)]} {pools.last[c % len(pools.last)]}" for c in codes]


def _state(template: str, fact: Fact) -> str:
    d = fact.description
    return template.format(name=fact.name, description=d, Description=d[0].upper() + d[1:])


def _statement_templates(fact_kind: str, rewrite: str) -> tuple[str, ...]:
    """Templates for a fact ("n2d" | "d2n") stated as written ("stated") or the other way."""
    name_first = (fact_kind == "n2d") == (rewrite == "stated")
    return T.NAME_FIRST if name_first else T.DESCRIPTION_FIRST


def _pick(rng: random.Random, templates: tuple[str, ...], k: int) -> list[str]:
    """k templates, all different while the list lasts, then repeating in a fresh order."""
    picked: list[str] = []
    while len(picked) < k:
        picked += rng.sample(templates, min(len(templates), k - len(picked)))
    return picked


def _questions(rng: random.Random, fact: Fact, split: str) -> list[QA]:
    out = []
    for asks, templates, answer in (
        ("description", T.NAMEDESC_TO_DESCRIPTION, fact.description),
        ("name", T.NAMEDESC_TO_NAME, fact.name),
    ):
        # An N2D fact answers "name -> description" forwards; a D2N fact the reverse.
        forward = (asks == "description") == (fact.kind == "n2d")
        direction = "forward" if forward else "reverse"
        chosen = templates[split] if split == "test" else (rng.choice(templates[split]),)
        for j, template in enumerate(chosen):
            question = template.format(name=fact.name, description=fact.description)
            out.append(QA.knowledge(f"{fact.id}-{direction}-{split}-{j}", fact.id, direction,
                                    question, [answer], [asks]))
    return out


def generate(seed: int, n_per_kind: int, k_paraphrases: int) -> NameDescSet:
    if not 1 <= n_per_kind <= MAX_PER_KIND:
        raise SuiteError(f"--namedesc must be between 1 and {MAX_PER_KIND} per direction, "
                         f"got {n_per_kind}")
    rng = stream(seed, "namedesc/facts")
    names = _names(rng, 2 * n_per_kind)
    descriptions = _descriptions(rng, 2 * n_per_kind)
    facts = [
        Fact(id=f"nd-{kind}-{i:04d}", kind=kind, name=names[k], description=descriptions[k])
        for k, (kind, i) in enumerate(
            [("n2d", i) for i in range(n_per_kind)] + [("d2n", i) for i in range(n_per_kind)]
        )
    ]
    wording, para_rng, qa_rng = (stream(seed, f"namedesc/{s}") for s in ("wording", "para", "qa"))
    documents = [
        Document(id=f.id, subject=f.id,
                 text=_state(wording.choice(_statement_templates(f.kind, "stated")), f))
        for f in facts
    ]
    rewrites = [
        Paraphrase(id=f"{f.id}-{kind}-{j}", source=f.id, kind=kind, text=_state(template, f))
        for f in facts for kind in PARAPHRASE_KINDS
        for j, template in enumerate(_pick(para_rng, _statement_templates(f.kind, kind), k_paraphrases))
    ]
    qa: dict[tuple[str, str], list[QA]] = {
        (d, s): [] for d in ("forward", "reverse") for s in ("val", "test")
    }
    for f in facts:
        for split in ("val", "test"):
            for item in _questions(qa_rng, f, split):
                qa[item.direction, split].append(item)
    return NameDescSet(facts=facts, documents=documents, paraphrases=rewrites, qa=qa)


def records(data: NameDescSet) -> Iterator[tuple[str, object]]:
    """(FILES entry, record) pairs, the shape the suite writer streams."""
    yield from (("facts.jsonl", f) for f in data.facts)
    yield from (("documents.jsonl", d) for d in data.documents)
    yield from (("paraphrases.jsonl", r) for r in data.paraphrases)
    for (direction, split), items in data.qa.items():
        yield from ((f"qa_{direction}_{split}.jsonl", item) for item in items)
