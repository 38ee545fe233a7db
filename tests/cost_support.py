"""A command's own peak memory and CPU time, read from the kernel (wait4's rusage).

Spawned straight from pytest, a child's ru_maxrss also counts pytest's own memory: Linux keeps
the high-water mark across fork and exec, and after a real-model test that was 5 GB. So a
small launcher process spawns the command and reports the command's rusage.
"""

from __future__ import annotations

import json
import subprocess
import sys

LAUNCHER = """
import json, os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "peak_mib": usage.ru_maxrss / 1024,
                  "cpu_s": usage.ru_utime + usage.ru_stime}))
"""


def cost(argv: list[str]) -> dict:
    """{"exit", "peak_mib", "cpu_s"} of `argv` run to its end (its stdout discarded)."""
    result = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], capture_output=True,
                            text=True, check=True, timeout=600)
    return json.loads(result.stdout)
