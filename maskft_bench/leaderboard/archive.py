"""One submission on disk: gzip-compressed JSON, read with bounded memory, written reproducibly.

Reading never trusts the file: its compressed size is checked before it is read, the
decompressed size is capped while decompressing (a small file can expand to gigabytes), the
number of JSON values is counted in the raw text before the parser builds any of them (64 MiB
of `{},` would be 20 million dicts), and the parser refuses NaN, infinities (`1e999` is a valid
JSON number that Python reads as infinity), integers beyond 64 bits and nesting deeper than
Python's recursion limit.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import stat
import zlib
from pathlib import Path

from .errors import LeaderboardError
from .limits import MAX_COMPRESSED_BYTES, MAX_JSON_BYTES, MAX_JSON_INTEGER, MAX_JSON_VALUES
from .verdict import Rejected

SUFFIX = ".json.gz"
_CHUNK = 1024 * 1024


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is not finite")
    return value


def _bounded_int(text: str) -> int:
    value = int(text)
    if abs(value) >= MAX_JSON_INTEGER:
        raise ValueError(f"integer {text[:40]}... is outside the 64-bit range")
    return value


def _decompress(compressed: bytes) -> bytes:
    """The decompressed bytes, read in chunks and refused past MAX_JSON_BYTES; the JSON values
    are counted chunk by chunk (braces, brackets and commas: an upper bound, since strings may
    hold them too), so a file of tiny values is refused before anything is parsed."""
    chunks, size, values = [], 0, 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            while chunk := stream.read(min(_CHUNK, MAX_JSON_BYTES + 1 - size)):
                size += len(chunk)
                if size > MAX_JSON_BYTES:
                    raise Rejected("file-size", f"more than {MAX_JSON_BYTES} bytes once "
                                   "decompressed")
                values += chunk.count(b"{") + chunk.count(b"[") + chunk.count(b",")
                if values > MAX_JSON_VALUES:
                    raise Rejected("structure", f"more than {MAX_JSON_VALUES:,} JSON values "
                                   f"within the first {size:,} bytes; a submission of the "
                                   "largest allowed suite holds about half as many")
                chunks.append(chunk)
    except (OSError, EOFError, zlib.error) as err:
        raise Rejected("format", f"not a gzip file ({err})") from err
    return b"".join(chunks)


def read_submission(path: Path) -> dict:
    """The parsed document of a submission file, or Rejected (file-type, file-size, format,
    structure)."""
    try:
        info = path.lstat()
    except OSError as err:
        raise Rejected("file-type", f"cannot read the file ({err.strerror})") from err
    if not stat.S_ISREG(info.st_mode) or not path.name.endswith(SUFFIX):
        raise Rejected("file-type", f"a submission is a regular file named <id>{SUFFIX}")
    if info.st_size > MAX_COMPRESSED_BYTES:
        raise Rejected("file-size", f"{info.st_size} bytes compressed; at most "
                       f"{MAX_COMPRESSED_BYTES}")
    with path.open("rb") as f:
        compressed = f.read(MAX_COMPRESSED_BYTES + 1)
    if len(compressed) > MAX_COMPRESSED_BYTES:
        raise Rejected("file-size", f"more than {MAX_COMPRESSED_BYTES} bytes compressed")
    data = _decompress(compressed)
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constants,
                              parse_float=_finite, parse_int=_bounded_int)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Rejected("format", f"not UTF-8 JSON with finite numbers ({err})") from err
    if not isinstance(document, dict):
        raise Rejected("format", "the JSON document is not an object")
    return document


def encode(document: dict) -> bytes:
    """Canonical bytes: sorted keys, no file name or time in the gzip header, within the caps."""
    data = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()
    compressed = gzip.compress(data, compresslevel=9, mtime=0)
    if len(data) > MAX_JSON_BYTES or len(compressed) > MAX_COMPRESSED_BYTES:
        raise LeaderboardError(f"the submission would be {len(compressed)} bytes compressed, "
                               f"{len(data)} decompressed; the caps are {MAX_COMPRESSED_BYTES} and "
                               f"{MAX_JSON_BYTES}")
    return compressed
