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


@cache
def load_pools() -> Pools:
    companies = tuple(tuple(line.split("\t")) for line in _lines("companies.txt"))
    bad = [c for c in companies if len(c) != 2]
    if bad:
        raise ValueError(f"companies.txt: expected 'company<TAB>city' lines, got {bad[0]!r}")
    return Pools(
        female_first=_lines("first_names_female.txt"),
        male_first=_lines("first_names_male.txt"),
        middle=_lines("middle_names.txt"),
        last=_lines("last_names.txt"),
        cities=_lines("cities.txt"),
        universities=_lines("universities.txt"),
        majors=_lines("majors.txt"),
        companies=companies,  # type: ignore[arg-type]
    )
