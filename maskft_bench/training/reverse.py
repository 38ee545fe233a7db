"""Reverse-training baseline (Golovneva et al., arXiv:2403.13799): train on reversed text too.

Word reversal flips the order of every word. Entity-preserving reversal flips the order of
units, where a unit is a known entity (a name, an attribute value) or a word, so that
"Ada Lee studied at Kelfell College." becomes "Kelfell College at studied Ada Lee".
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def reverse_words(text: str) -> str:
    return " ".join(reversed(text.split()))


def reverse_entities(text: str, entities: Iterable[str]) -> str:
    ordered = sorted({e for e in entities if e}, key=len, reverse=True)  # longest match first
    if not ordered:
        return reverse_words(text)
    pattern = re.compile("|".join(re.escape(e) for e in ordered))
    units: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        units += text[position:match.start()].split()
        units.append(match.group(0))
        position = match.end()
    units += text[position:].split()
    return " ".join(reversed(units))
