"""What the always-on None-gradient bookkeeping costs: the two reference loops of
bench_debugger.py run on this tree and on a checkout from before the bookkeeping (the
check for a None among a gradient call's results, the class defaults a tape reads, the
thread-state check in `.numpy()`/`__array__`/`float()`, which note an exit only while a
tape records), alternately in fresh processes, so both see the same machine load. Target:
at most 1.05x the time of the tree before. Each figure is the best of all runs, in CPU
seconds of the process and in wall seconds (BLAS threads make the CNN's CPU time the
noisier of the two on a shared machine).

Run: git worktree add ../base <commit before>; python bench/bench_bookkeeping.py --base ../base
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# loop -> (title, runs per process): the short loop runs more often, so that the best of
# them is one that other processes left alone
LOOPS = {"regression_loop": ("regression (3 epochs x 190 examples)", 15),
         "cnn_loop": ("CNN (20 steps, batch 32, 28x28)", 3)}
TARGET = 1.05


def worker(tree: str, loop: str, repeats: int) -> None:
    """In a fresh process: import tapeviz from `tree`, print the best CPU and wall times of
    `loop`."""
    sys.path[:0] = [tree, os.path.join(tree, "bench")]
    import bench_debugger
    import tapeviz
    assert tapeviz.__file__.startswith(os.path.abspath(tree)), tapeviz.__file__
    run = getattr(bench_debugger, loop)
    run()  # warm-up: imports, caches, first-call costs
    cpu = wall = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    print(cpu, wall)


def timed(tree: str, loop: str, repeats: int) -> tuple:
    """(CPU seconds, wall seconds) of `loop` on `tree`, best of `repeats` in a new process."""
    out = subprocess.run([sys.executable, __file__, "--worker", tree, loop, str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    cpu, wall = out.split()[-2:]
    return float(cpu), float(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a checkout from before the bookkeeping (required)")
    parser.add_argument("--head", default=HERE, help="the tree measured (default: this one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tree, loop, repeats = args.worker
        worker(tree, loop, int(repeats))
        return
    if not args.base:
        parser.error("--base is required: a checkout from before the bookkeeping")
    trees = {"before": os.path.abspath(args.base), "now": os.path.abspath(args.head)}
    best = {(loop, tree): (float("inf"),) * 2 for loop in LOOPS for tree in trees}
    for round_ in range(args.rounds):  # alternate: each tree sees the same machine load
        order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
        for loop in LOOPS:
            for tree in order:
                cpu, wall = timed(trees[tree], loop, LOOPS[loop][1])
                best[loop, tree] = tuple(map(min, best[loop, tree], (cpu, wall)))
    print(f"best of {args.rounds} rounds of fresh processes; ratio = now / before")
    for loop, (title, runs) in LOOPS.items():
        print(f"{title}, {runs} runs a process")
        for k, clock in enumerate(("CPU", "wall")):
            before, now = best[loop, "before"][k], best[loop, "now"][k]
            ratio = now / before
            print(f"  {clock:<5} before {before:7.3f} s   now {now:7.3f} s   {ratio:5.3f}x"
                  f"  target <= {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
