"""Settings dataclasses, declared once: flags, `--set KEY=VALUE`, recipe YAML and `--help`.

A settings dataclass (TrainConfig, ScoreOptions, SuiteOptions, SubmissionMeta) gives each
field a type hint, a default and `metadata={"help": ...}` saying why the default is what it
is, plus "choices" where only some values make sense and bounds (at_least, above, at_most,
below) where only some numbers do. The rest is generated: the flag is the
field's name with dashes (`max_steps` -> `--max-steps`; a bool gets `--x` and `--no-x`),
its help ends with the default, and every value, whether typed on the command line, given
as `--set` or read from a YAML recipe, goes through `coerce` and then `check_fields` (each
settings class calls it when constructed), so a bad one gives the same one-line error naming
the setting, the value and what is accepted, before any work starts.

Why a generator of its own rather than transformers.HfArgumentParser or jsonargparse: the
train command layers defaults < recipe < `per_method:` < flags, so a flag must be able to
say "not given" (HfArgumentParser fills in every default); `--set` and YAML values need the
same typing as flags, which HfArgumentParser's parse_dict does not do; tuple settings and
one-line errors need special cases in both; and jsonargparse brings its own config-file
layering and multi-line errors. The generator is this module, over dataclasses.fields and
typing.get_type_hints.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import math
import types
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from .errors import MaskftError, brief

NONE_WORDS = ("", "none", "null")  # text that means None for an optional setting
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")


class ConfigError(MaskftError, ValueError):
    """A setting with an unknown name or a value it cannot take."""


BOUNDS = {"at_least": ("at least", float.__ge__), "above": ("above", float.__gt__),
          "at_most": ("at most", float.__le__), "below": ("below", float.__lt__)}


def setting(default: Any = dataclasses.MISSING, *, help: str,
            choices: tuple[str, ...] | None = None, **bounds: float) -> Any:
    """A dataclass field that carries its help, choices and bounds (BOUNDS' keywords: a number
    outside them is refused, None passes) in metadata."""
    unknown = set(bounds) - set(BOUNDS)
    if unknown:
        raise TypeError(f"unknown bound {sorted(unknown)}; bounds: {', '.join(BOUNDS)}")
    metadata = {"help": help, **({"choices": choices} if choices is not None else {}), **bounds}
    return dataclasses.field(default=default, metadata=metadata)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of `X` or `X | None`."""
    if get_origin(hint) in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"a setting has one type (or that type | None), not {hint}")
        return inner[0], True
    return hint, False


def _int(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(value)
    return int(value)


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    return float(value)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(value)


def _str(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(value)
    return str(value)


def _path(value: object) -> Path:
    if not isinstance(value, str | Path):
        raise TypeError(value)
    return Path(value)


def _items(read: Callable[[object], object], value: object) -> tuple:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise TypeError(value)
    return tuple(read(item.strip() if isinstance(item, str) else item)
                 for item in items if not isinstance(item, str) or item.strip())


_READERS = {int: (_int, "an integer"), float: (_float, "a number"),
            bool: (_bool, "true or false"), str: (_str, "text"), Path: (_path, "a path")}


def _reader(hint: Any) -> tuple[Callable[[object], object], str]:
    """How to read a value of `hint` (`X`, `X | None` or `tuple[X, ...]`), and what it accepts."""
    kind, optional = _unwrap(hint)
    if get_origin(kind) is tuple:
        read, each = _READERS[get_args(kind)[0]]
        read, accepted = partial(_items, read), f"comma-separated values, each {each}"
    else:
        read, accepted = _READERS[kind]
    return read, f"{accepted} or none" if optional else accepted


def coerce(name: str, value: object, hint: Any) -> object:
    """`value` (text from a flag or `--set`, or what YAML gave) as the type `hint` says."""
    read, accepted = _reader(hint)
    if _unwrap(hint)[1] and (value is None or str(value).strip().lower() in NONE_WORDS):
        return None
    try:
        return read(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{name}: expected {accepted}, got {brief(value)}") from None


def show(value: object) -> str:
    """A value as it is written on the command line; `coerce` reads it back."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def typed(cls: type, values: dict[str, object]) -> dict[str, object]:
    """`values` by setting name, each coerced to its field's type; an unknown name is an error."""
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in values:
        if key not in hints:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown setting {brief(key)}{hint} (settings: {', '.join(names)})")
    return {key: coerce(key, value, hints[key]) for key, value in values.items()}


def choice_problem(value: object, choices: tuple[str, ...]) -> str | None:
    """Why `value` is not one of `choices` (with the closest one), or None if it is."""
    if value in choices:
        return None
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"expected one of {', '.join(choices)}, got {brief(value)}{hint}"


def bounds_text(metadata: Mapping[str, object]) -> str:
    """The numbers a field accepts, in words: "at least 0 and below 1"."""
    return " and ".join(f"{BOUNDS[key][0]} {show(metadata[key])}" for key in BOUNDS
                        if key in metadata)


def bound_problem(value: object, metadata: Mapping[str, object]) -> str | None:
    """Why the number `value` is outside the field's bounds, or None (None values pass).
    A bounded number must also be finite: "inf" and "nan" read as floats."""
    if value is None or not any(key in metadata for key in BOUNDS):
        return None
    number = float(value)  # type: ignore[arg-type]
    inside = all(test(number, float(metadata[key]))
                 for key, (_, test) in BOUNDS.items() if key in metadata)
    if inside and math.isfinite(number):
        return None
    return f"must be {bounds_text(metadata)}, got {brief(value)}"


def check_fields(settings: object) -> None:
    """Every field holds one of its choices and lies within its bounds (for __post_init__)."""
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        choices = f.metadata.get("choices")
        problem = (choice_problem(value, choices) if choices is not None else None) \
            or bound_problem(value, f.metadata)
        if problem:
            raise ConfigError(f"{f.name}: {problem}")


def parse_settings(items: list[str]) -> dict[str, str]:
    """`--set KEY=VALUE` items as text by setting name; `typed` reads them later."""
    settings = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        settings[key.strip()] = value
    return settings


def flag(name: str) -> str:
    """The command-line flag of a setting: `max_steps` -> `--max-steps`."""
    return f"--{name.replace('_', '-')}"


def flag_type(hint: Any, choices: tuple[str, ...] | None = None) -> Callable[[str], object]:
    """An argparse `type` that reads a flag's text as `hint` says, with `coerce`'s rules, and
    refuses a value outside `choices` naming the closest one."""
    def read(text: str) -> object:
        try:
            value = coerce("", text, hint)
        except ConfigError:
            raise argparse.ArgumentTypeError(f"expected {_reader(hint)[1]}, got {brief(text)}") \
                from None
        problem = choice_problem(value, choices) if choices is not None else None
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value
    return read


def help_text(f: dataclasses.Field) -> str:
    """The field's help, bounds and default, as `--help` shows them ("%" escaped for argparse)."""
    text = f.metadata.get("help", "")
    if bounds_text(f.metadata):
        text += f"; {bounds_text(f.metadata)}"
    if f.default is not dataclasses.MISSING:
        shown = show(f.default) or '""'  # an empty text default, visibly
        text += f" (default: {shown})"
    return text.replace("%", "%%")


def add_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type,
              aliases: dict[str, str] | None = None, required: bool = True) -> None:
    """A flag per field of `cls`. Flags default to None ("not given", see `given`), so that
    only what the user typed overrides a recipe. A field without a default is a required flag
    if `required` (train reads `method` from a recipe too, so it passes False)."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        names = [flag(f.name), *([aliases[f.name]] if f.name in (aliases or {}) else [])]
        options: dict[str, Any] = {"dest": f.name, "default": None, "help": help_text(f)}
        if hints[f.name] is bool:
            options["action"] = argparse.BooleanOptionalAction
        else:
            choices = f.metadata.get("choices")
            options.update(type=flag_type(hints[f.name], choices),
                           metavar="{" + ",".join(choices) + "}" if choices else None)
        options["required"] = required and f.default is dataclasses.MISSING
        parser.add_argument(*names, **options)


def given(args: argparse.Namespace, cls: type) -> dict[str, object]:
    """The fields of `cls` that were given on the command line."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls)
            if getattr(args, f.name, None) is not None}
