"""The shape of a submission, as a JSON Schema (schema.json beside this file)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema

from .verdict import Rejected

SCHEMA_FILE = Path(__file__).with_name("schema.json")


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_schema(document: dict) -> None:
    """Rejected("schema") naming the first misplaced field, or nothing."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise Rejected("schema", f"{where}: {error.message[:200]}")
