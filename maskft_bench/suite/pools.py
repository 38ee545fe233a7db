"""Word pools the generators sample from, shipped as plain-text data files (one entry a line)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


def _lines(name: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("pools", name).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


@dataclass(frozen=True)
class Pools:
    female_first: tuple[str, ...]
    male_first: tuple[str, ...]
    middle: tuple[str, ...]
    last: tuple[str, ...]
    cities: tuple[str, ...]
    universities: tuple[str, ...]
    majors: tuple[str, ...]
    companies: tuple[tuple[str, str], ...]  # (company, the city it is based in)

    @property
    def first(self) -> tuple[tuple[str, str], ...]:
        """(given name, gender) pairs; gender picks the pronouns in biographies."""
        return tuple((n, "female") for n in self.female_first) + tuple(
            (n, "male") for n in self.male_first
        )


def _pairs(name: str) -> tuple[tuple[str, str], ...]:
    pairs = tuple(tuple(line.split("\t")) for line in _lines(name))
    bad = [p for p in pairs if len(p) != 2]
    if bad:
        raise ValueError(f"{name}: expected two tab-separated fields a line, got {bad[0]!r}")
    return pairs  # type: ignore[return-value]


@cache
def load_pools() -> Pools:
    return Pools(
        female_first=_lines("first_names_female.txt"),
        male_first=_lines("first_names_male.txt"),
        middle=_lines("middle_names.txt"),
        last=_lines("last_names.txt"),
        cities=_lines("cities.txt"),
        universities=_lines("universities.txt"),
        majors=_lines("majors.txt"),
        companies=_pairs("companies.txt"),
    )


@cache
def load_capitals() -> tuple[tuple[str, str], ...]:
    """(country, capital) pairs for the retention probe: real facts a base model should know."""
    return _pairs("capitals.txt")
