"""General questions with short, unambiguous answers: what fine-tuning must not destroy.

The paper never measured forgetting. Scoring the base model once on these and the
fine-tuned model again gives retention: the share of the base model's correct answers
that are still correct. Answers are scored with the knowledge rule (ROUGE-1 recall).
"""

from __future__ import annotations

import random

from .pools import load_capitals
from .records import QA
from .seeding import stream

N_ARITHMETIC = 60
COMMON_FACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("How many days are there in a week?", ("7", "seven")),
    ("How many months are there in a year?", ("12", "twelve")),
    ("How many hours are there in a day?", ("24", "twenty-four")),
    ("How many minutes are there in an hour?", ("60", "sixty")),
    ("How many legs does a spider have?", ("8", "eight")),
    ("How many sides does a triangle have?", ("3", "three")),
    ("How many continents are there on Earth?", ("7", "seven")),
    ("What is the largest planet in the Solar System?", ("Jupiter",)),
    ("Which planet is known as the Red Planet?", ("Mars",)),
    ("What is the closest star to the Earth?", ("Sun",)),
    ("What gas do plants absorb from the air for photosynthesis?", ("carbon dioxide", "CO2")),
    ("What is the chemical symbol for gold?", ("Au",)),
    ("What is the chemical symbol for water?", ("H2O",)),
    ("At what temperature in degrees Celsius does water boil at sea level?", ("100",)),
    ("At what temperature in degrees Celsius does water freeze?", ("0", "zero")),
    ("What is the largest ocean on Earth?", ("Pacific",)),
    ("What is the longest river in Africa?", ("Nile",)),
    ("What is the tallest mountain in the world?", ("Everest",)),
    ("Who wrote the play Romeo and Juliet?", ("Shakespeare",)),
    ("Who painted the Mona Lisa?", ("Leonardo da Vinci", "Leonardo", "da Vinci")),
    ("What language is mainly spoken in Brazil?", ("Portuguese",)),
    ("What is the currency of Japan?", ("yen",)),
    ("What color do you get by mixing blue and yellow?", ("green",)),
    ("What is the opposite of hot?", ("cold",)),
    ("What do bees make?", ("honey",)),
    ("What is the freezing form of water called?", ("ice",)),
    ("Which animal is known as the king of the jungle?", ("lion",)),
    ("What is the square root of 81?", ("9", "nine")),
    ("How many players are on a soccer team on the field?", ("11", "eleven")),
    ("What is the first letter of the English alphabet?", ("A",)),
)


def _arithmetic(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """n distinct sums and products, alternating, small enough for any chat model."""
    items: dict[str, str] = {}
    while len(items) < n:
        if len(items) % 2 == 0:
            a, b = rng.randint(2, 50), rng.randint(2, 50)
            items.setdefault(f"What is {a} plus {b}?", str(a + b))
        else:
            a, b = rng.randint(2, 12), rng.randint(2, 12)
            items.setdefault(f"What is {a} times {b}?", str(a * b))
    return list(items.items())


def generate(seed: int) -> list[QA]:
    rng = stream(seed, "retention")
    pairs: list[tuple[str, tuple[str, ...]]] = [
        (f"What is the capital of {country}?", (capital,)) for country, capital in load_capitals()
    ]
    pairs += [(q, (a,)) for q, a in _arithmetic(rng, N_ARITHMETIC)]
    pairs += list(COMMON_FACTS)
    return [QA.knowledge(f"retention-{i:04d}", f"retention-{i:04d}", "forward", q, answers)
            for i, (q, answers) in enumerate(pairs)]
