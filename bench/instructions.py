"""Instructions a workload executes, counted by valgrind: a figure no other process's load
moves, the cross-check of the CPU-time ratios the benchmarks print.

`count(argv)` runs `python *argv` under callgrind with collection off, and the worker
(`run_counted`) runs its workload once to warm up (imports, caches, first calls), then
once more inside `operator.call`, the C function callgrind toggles collection on: only
that second run is counted, not the interpreter's start, the imports or the warm-up.
Instructions are not time: the interpreter's loop retires more of them a cycle than
PyTorch's dispatcher (atomic reference counts, indirect calls), so a ratio of counts
overstates how much slower the Python side is.
"""
from __future__ import annotations

import operator
import os
import re
import shutil
import subprocess
import sys

TOGGLE = "*_operator_call*"  # operator.call's C function: nothing else calls it here


def available() -> bool:
    return shutil.which("valgrind") is not None


def run_counted(workload) -> None:
    """In the worker: warm up, then the counted run."""
    workload()
    operator.call(workload)


def count(argv: list) -> int:
    """Instructions of the counted run of `python *argv` (whose workload calls
    `run_counted`), under a fixed hash seed: set and dict layouts otherwise move a count
    by about 0.1% from run to run."""
    return _collected(argv)["Ir"]


def misses(argv: list) -> dict:
    """The counted run's instructions ("Ir") and first-level cache misses, instruction
    ("I1mr") and data ("D1mr" read, "D1mw" write), by valgrind's cache simulation: what
    CPU time pays beyond the instructions (each an L2 access of ~12-15 cycles)."""
    return _collected(argv, "--cache-sim=yes")


def _collected(argv: list, *options: str) -> dict:
    """{event: count} of the counted run of `python *argv` under callgrind with `options`."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                           f"--toggle-collect={TOGGLE}", "--callgrind-out-file=/dev/null",
                           *options, sys.executable, *argv], capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    names = re.search(r"Events +: ([\w ]+)", done.stderr)
    found = re.search(r"Collected : ([\d ]+)", done.stderr)
    if done.returncode or names is None or found is None:
        raise SystemExit(f"valgrind did not count {argv}: {done.stderr[-2000:]}")
    # (callgrind leaves off the trailing events that stayed zero)
    counts = [int(n) for n in found.group(1).split()]
    return {name: counts[i] if i < len(counts) else 0
            for i, name in enumerate(names.group(1).split())}


def report(counts_of, unit: str) -> None:
    """Print tapeviz's and PyTorch's counts from `counts_of()` ({library: instructions per
    `unit`}) and their ratio; exit saying how to install valgrind where it is missing."""
    if not available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    counted = counts_of()
    print(f"  instructions {unit} (valgrind): tapeviz {counted['tapeviz'] / 1e3:.1f}k, "
          f"pytorch {counted['pytorch'] / 1e3:.1f}k, "
          f"{counted['tapeviz'] / counted['pytorch']:.3f}x")
