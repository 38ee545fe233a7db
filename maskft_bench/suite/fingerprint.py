"""One hash that names what a score was measured on: the suite's scored tasks.

It is taken over every task's hash in manifest.json (task YAML and question file together),
so two suites share it exactly when every question, answer and task setting is the same. The
training files are not hashed into it, but every task YAML names the command that generated
it, so in practice any other generation option (paraphrases included) gives another one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def suite_fingerprint(manifest: Mapping) -> str:
    """Hex SHA-256 over "task:sha256" lines of the manifest's tasks, in name order."""
    tasks = manifest["tasks"]
    lines = "".join(f"{name}:{tasks[name]['sha256']}\n" for name in sorted(tasks))
    return hashlib.sha256(lines.encode()).hexdigest()
