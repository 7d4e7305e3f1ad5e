"""What the always-on None-gradient bookkeeping costs: the two reference loops of
bench_debugger.py run on this tree and on a checkout from before the bookkeeping (a
freed tape's skeleton, `.numpy()`/`__array__`/`float()` exit tracking, the last gradient
call's None sources), alternately in fresh processes, so both see the same machine load.
Target: at most 1.05x the time of the tree before.

Run: git worktree add ../base <commit before>; python bench/bench_bookkeeping.py --base ../base
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOOPS = {"regression_loop": "regression (3 epochs x 190 examples)",
         "cnn_loop": "CNN (20 steps, batch 32, 28x28)"}
TARGET = 1.05


def worker(tree: str, loop: str, repeats: int) -> None:
    """In a fresh process: import tapeviz from `tree`, print the best time of `loop`."""
    sys.path[:0] = [tree, os.path.join(tree, "bench")]
    import bench_debugger
    import tapeviz
    assert tapeviz.__file__.startswith(os.path.abspath(tree)), tapeviz.__file__
    run = getattr(bench_debugger, loop)
    run()  # warm-up: imports, caches, first-call costs
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print(best)


def timed(tree: str, loop: str, repeats: int) -> float:
    out = subprocess.run([sys.executable, __file__, "--worker", tree, loop, str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a checkout from before the bookkeeping (required)")
    parser.add_argument("--head", default=HERE, help="the tree measured (default: this one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="runs per process")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tree, loop, repeats = args.worker
        worker(tree, loop, int(repeats))
        return
    if not args.base:
        parser.error("--base is required: a checkout from before the bookkeeping")
    trees = {"before": os.path.abspath(args.base), "now": os.path.abspath(args.head)}
    best = {(loop, tree): float("inf") for loop in LOOPS for tree in trees}
    for round_ in range(args.rounds):  # alternate: each tree sees the same machine load
        order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
        for loop in LOOPS:
            for tree in order:
                seconds = timed(trees[tree], loop, args.repeats)
                best[loop, tree] = min(best[loop, tree], seconds)
    print(f"best of {args.rounds} rounds x {args.repeats} runs; ratio = now / before")
    for loop, title in LOOPS.items():
        before, now = best[loop, "before"], best[loop, "now"]
        ratio = now / before
        print(f"  {title:<40} before {before:7.3f} s   now {now:7.3f} s   {ratio:5.3f}x"
              f"  target <= {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
