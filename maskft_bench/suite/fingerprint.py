"""One hash that names what a score was measured on: the suite's scored tasks.

It is taken over every task's hash in manifest.json (task YAML and question file together),
so two suites share it exactly when every question, answer and task setting is the same.
Training data (documents, paraphrases) is left out on purpose: a suite regenerated with other
paraphrases asks the same questions, and a base model's score on it is the same score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def suite_fingerprint(manifest: Mapping) -> str:
    """Hex SHA-256 over "task:sha256" lines of the manifest's tasks, in name order."""
    tasks = manifest["tasks"]
    lines = "".join(f"{name}:{tasks[name]['sha256']}\n" for name in sorted(tasks))
    return hashlib.sha256(lines.encode()).hexdigest()
