"""One submission on disk: gzip-compressed JSON, read with bounded memory, written reproducibly.

Reading never trusts the file: its compressed size is checked before it is read, the
decompressed size is capped while decompressing (a small file can expand to gigabytes), and
the JSON parser refuses NaN, infinities and nesting deeper than Python's recursion limit.
"""

from __future__ import annotations

import gzip
import io
import json
import stat
import zlib
from pathlib import Path

from .errors import LeaderboardError
from .limits import MAX_COMPRESSED_BYTES, MAX_JSON_BYTES
from .verdict import Rejected

SUFFIX = ".json.gz"


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def read_submission(path: Path) -> dict:
    """The parsed document of a submission file, or Rejected (file-type, file-size, format)."""
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
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            data = stream.read(MAX_JSON_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise Rejected("format", f"not a gzip file ({err})") from err
    if len(data) > MAX_JSON_BYTES:
        raise Rejected("file-size", f"more than {MAX_JSON_BYTES} bytes once decompressed")
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Rejected("format", f"not UTF-8 JSON ({str(err)[:200]})") from err
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
