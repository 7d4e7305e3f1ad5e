"""What the Jupyter front costs: the live dashboard's overhead on a training loop, layout +
render time of 100-, 1,000- and 10,000-node tapes, and how long a 10,000-op tape takes to
collapse (the timing tests/test_viz_graph.py used to assert; tests check only what it shows),
with and without name scopes (an unscoped loop body folds into one box; see viz/loops.py),
and a TapeWidget opened and stepped on a 99,000-node tape against a 3,000-node one (issue
14: a Step costs what changes on screen, opening what is shown). In a kernel a widget opens
in two updates (widget.py): its first view, then every value's NaN/Inf check and the alerts
once the cell returns; the goal is judged on the first view, and the time until everything
is checked, and a script's open that does both at once, are printed beside it. (A long
scoped tape's first view is told from its scope runs, viz/outline.py: its graph is built
with the checks after it.)

Dashboard rows: the TF2 guide's MNIST CNN on the bundled 8x8 digits (batch 32) run plain,
through a debugger Runner, and through a Runner with the Dashboard attached (with its alerts,
and without: `show_alerts=False`), interleaved, best of N; the ratio is against the Runner
alone (target <= 1.1x; the alerts' part, the last two rows' ratio, <= 1.05x). There is no
browser here, so each state message the widget sends is JSON-encoded as the kernel's session
would encode it; that serialisation, the throttle's timer thread and the tape layouts are
the real cost.

Run: python bench/bench_viz.py [--repeats 3] [--steps 40] [--widget-only] [--instructions]
(`--instructions`: the instructions of a TapeWidget's first view and of a whole open at each
size, counted by valgrind, see instructions.py: a figure no other process's load moves;
Graphviz's process not counted.)
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

import instructions  # this folder
import tapeviz as tf
from bench_debugger import train_guide_cnn  # this folder: one definition of the guide's loop
from tapeviz.datasets import load_digits
from tapeviz.debugger import Runner
from tapeviz.viz import render
from tapeviz.viz.dashboard import Dashboard
from tapeviz.viz.dot import to_dot
from tapeviz.viz.graph import Graph
from widget_row import (WIDGET_GOALS, WIDGET_SIZES, counted_open,  # this folder
                        print_widget, widget_timing)


def mnist_loop(images, labels, steps: int, batch: int = 32) -> float:
    """The TF2 guide's CNN and train step over `steps` batches; returns the last loss."""
    starts = ((step * batch) % (len(images) - batch) for step in range(steps))
    return train_guide_cnn((images[at:at + batch], labels[at:at + batch]) for at in starts)


class _TimedDashboard(Dashboard):
    """A Dashboard that notes its timer thread's CPU time (pushes, JSON, tape layouts)."""

    timer_cpu = 0.0

    def _loop(self) -> None:
        start = time.thread_time()
        try:
            super()._loop()
        finally:
            self.timer_cpu = time.thread_time() - start


def dashboard_overhead(repeats: int = 3, steps: int = 40) -> list:
    """[(mode, best wall s, best loop-thread CPU s, best dashboard CPU s, messages sent)]
    for the loop plain, through a Runner, and through a Runner with the Dashboard attached.

    CPU times hold up on a loaded machine where wall times do not. The loop thread's CPU
    includes the dashboard's subscriber; "dashboard CPU" is its timer thread plus Graphviz
    subprocesses. (Process CPU would also count OpenBLAS's worker threads.)
    """
    (x_train, y_train), _ = load_digits()
    images = (x_train[..., None] / 255.0).astype(np.float32)
    labels = y_train.astype(np.int64)
    sent = {"messages": 0}
    cpu = {}

    def front(msg, buffers=None):  # what ipykernel's session does with each message
        sent["messages"] += 1
        json.dumps(msg, allow_nan=False).encode()

    def loop():
        start = time.thread_time()
        mnist_loop(images, labels, steps)
        cpu["loop"] = time.thread_time() - start

    def runner():
        Runner(loop).start().join()

    def dashboard(alerts=True):
        dash = _TimedDashboard(max_rate=10.0, show_alerts=alerts)
        dash._send = front
        children = _children_cpu()
        try:
            dash.train(loop).join()
        finally:
            dash.close()  # waits for the timer thread, so all its work is counted
        cpu["dashboard"] = dash.timer_cpu + _children_cpu() - children

    modes = {"plain (no runner)": loop, "Runner": runner, "Runner + Dashboard": dashboard,
             "... no alerts": lambda: dashboard(alerts=False)}
    best = {name: [float("inf")] * 3 for name in modes}
    messages = dict.fromkeys(modes, 0)
    for _ in range(repeats):  # interleaved: every mode sees the same machine load
        for name, run in modes.items():
            sent["messages"] = 0
            cpu["dashboard"] = 0.0
            wall = time.perf_counter()
            run()
            wall = time.perf_counter() - wall
            for i, value in enumerate((wall, cpu["loop"], cpu["dashboard"])):
                best[name][i] = min(best[name][i], value)
            messages[name] = sent["messages"]
    return [(name, *best[name], messages[name]) for name in modes]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_dashboard(rows: list, repeats: int, steps: int) -> None:
    base = {name: (wall, loop) for name, wall, loop, _, _ in rows}["Runner"]
    print(f"Dashboard overhead: MNIST CNN, {steps} steps of batch 32 on the 8x8 digits; "
          f"best of {repeats}, interleaved; ratios against the Runner alone (target <= 1.10x)")
    print(f"  {'mode':<20}{'wall':>8}{'ratio':>7}{'loop CPU':>10}{'dash CPU':>10}"
          f"{'CPU ratio':>10}{'msgs':>6}")
    for name, wall, loop, dash, messages in rows:
        print(f"  {name:<20}{wall:7.3f}s{wall / base[0]:6.2f}x{loop:9.3f}s{dash:9.3f}s"
              f"{(loop + dash) / base[1]:9.2f}x{messages:6d}")


def scoped_tape(ops: int):
    """A recorded tape of `ops` ops in nested name scopes ("stage3/block31"), 5 ops a block,
    and its loss; two shared variables, so the graph has ops + 3 leaves."""
    w = tf.Variable(tf.random.normal((8, 8), stddev=0.3, seed=1), name="w")
    b = tf.Variable(tf.zeros((8,)), name="b")
    h0 = tf.ones((4, 8))
    with tf.GradientTape(persistent=True) as tape:
        h = h0
        for block in range(ops // 5):
            with tf.name_scope(f"stage{block // 10}"), tf.name_scope(f"block{block}"):
                h = tf.nn.relu(tf.matmul(h, w) + b)
                h = h - tf.reduce_mean(h)
        loss = tf.reduce_sum(h)
    return tape, loss


def layout_timing(ops: int, max_nodes, repeats: int = 3) -> dict:
    """Best-of-`repeats` seconds of each stage from a tape to its SVG: graph build (with
    gradients), collapse to `max_nodes` (None: the whole graph), DOT, Graphviz layout."""
    tape, loss = scoped_tape(ops)
    grads = tape.backward(loss).run().grads
    best = dict.fromkeys(("graph", "collapse", "dot", "layout", "total"), float("inf"))
    for _ in range(repeats):
        render._cache.clear()   # time the real layout, not the cache
        t0 = time.perf_counter()
        graph = Graph.from_tape(tape, grads)
        t1 = time.perf_counter()
        view = graph.collapse(max_nodes=max_nodes or len(graph.nodes))
        t2 = time.perf_counter()
        dot = to_dot(view)
        t3 = time.perf_counter()
        svg = render.layout_svg(dot)
        t4 = time.perf_counter()
        for name, seconds in zip(best, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            best[name] = min(best[name], seconds)
    return {"ops": len(tape.nodes), "graph nodes": len(graph.nodes), "max_nodes": max_nodes,
            "shown": len(view.nodes), "svg KiB": len(svg) / 1024, **best}


def layout_rows(repeats: int = 3) -> list:
    """Layout + render timings: 100 and 1,000 ops laid out whole; 100 / 1,000 / 10,000 ops
    as the widget opens them (collapsed to at most 300 nodes)."""
    cases = [(100, None), (1000, None), (100, 300), (1000, 300), (10000, 300)]
    return [layout_timing(ops, max_nodes, repeats) for ops, max_nodes in cases]


def print_layout(rows: list, repeats: int) -> None:
    print(f"\nTape -> SVG ({render.find_layout_binary() or 'no Graphviz binary'}); best of "
          f"{repeats}; targets: 1,000 nodes < 1 s, 10,000 opens collapsed < 1 s")
    print(f"  {'ops':>6} {'nodes':>6} {'view':>7} {'shown':>5}  {'graph':>7} {'collapse':>8} "
          f"{'dot':>7} {'layout':>7} {'total':>7}  svg")
    for r in rows:
        view = "whole" if r["max_nodes"] is None else f"<={r['max_nodes']}"
        print(f"  {r['ops']:6d} {r['graph nodes']:6d} {view:>7} {r['shown']:5d}  "
              f"{r['graph']:7.3f} {r['collapse']:8.3f} {r['dot']:7.3f} {r['layout']:7.3f} "
              f"{r['total']:7.3f}  {r['svg KiB']:.0f} KiB")


COLLAPSE_TARGET = 0.5   # seconds for a 10,000-op tape to open collapsed


def collapse_timing(blocks: int = 100, per_block: int = 50, repeats: int = 3) -> dict:
    """Best-of-`repeats` seconds of `Graph.collapse(max_nodes=300)` on a fresh graph of a tape
    of `blocks` name scopes of `per_block` multiply-add pairs (test_viz_collapse's long tape)."""
    x = tf.Variable(tf.ones((3,)))
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for b in range(blocks):
            with tf.name_scope(f"block{b}"):
                for _ in range(per_block):
                    h = h * 1.0001 + 0.5
        loss = tf.reduce_sum(h)
    grads = tape.backward(loss).run().grads
    best = float("inf")
    for _ in range(repeats):
        graph = Graph.from_tape(tape, grads)   # fresh: its scope tree is built in the timing
        start = time.perf_counter()
        view = graph.collapse(max_nodes=300)
        best = min(best, time.perf_counter() - start)
    return {"ops": len(tape.nodes), "shown": len(view.nodes), "seconds": best}


def print_collapse(row: dict, repeats: int) -> None:
    verdict = "meets" if row["seconds"] < COLLAPSE_TARGET else "MISSES"
    print(f"\nCollapse of a {row['ops']:,}-op tape to {row['shown']} nodes: "
          f"{row['seconds']:.3f} s, best of {repeats} ({verdict} the {COLLAPSE_TARGET} s target)")


def unscoped_timing(ops: int = 10000, repeats: int = 3) -> list:
    """Best-of-`repeats` seconds of `Graph.collapse(max_nodes=300)` on `ops` ops under no name
    scope: one add repeated (one loop box) and add/multiply in Thue-Morse order (nothing
    repeats three times: the loop search's worst case, then op ranges)."""
    rows = []
    for name, pick in (("one op repeated", lambda i: True),
                       ("aperiodic", lambda i: bin(i).count("1") % 2 == 0)):
        x = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            h = x
            for i in range(ops):
                h = h + 1.0 if pick(i) else h * 1.0
        best = float("inf")
        for _ in range(repeats):
            graph = Graph.from_tape(tape)
            start = time.perf_counter()
            view = graph.collapse(max_nodes=300)
            best = min(best, time.perf_counter() - start)
        rows.append({"name": name, "nodes": len(graph.nodes), "shown": len(view.nodes),
                     "seconds": best})
    return rows


def print_unscoped(rows: list, repeats: int) -> None:
    for r in rows:
        print(f"Collapse of {r['nodes']:,} unscoped nodes ({r['name']}) to {r['shown']}: "
              f"{r['seconds']:.3f} s, best of {repeats}")


def report_instructions() -> None:
    if not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    small, large = (3 * blocks + 2 for blocks in WIDGET_SIZES)
    print("TapeWidget, instructions (valgrind; Graphviz's process not counted):")
    for what, flag in (("first view", "--count-first-view"), ("whole open", "--count-open")):
        counts = [instructions.count([__file__, flag, str(blocks)]) for blocks in WIDGET_SIZES]
        goal = f" (goal <= {WIDGET_GOALS['first view']:.0f}x)" if what == "first view" else ""
        print(f"  {what}: {small:,} nodes {counts[0] / 1e6:.1f}M, {large:,} nodes "
              f"{counts[1] / 1e6:.1f}M, {counts[1] / counts[0]:.1f}x{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--widget-only", action="store_true",
                        help="only the TapeWidget row (3,000 against 99,000 nodes)")
    parser.add_argument("--instructions", action="store_true",
                        help="count the instructions of one TapeWidget open instead (valgrind)")
    parser.add_argument("--count-open", type=int, help=argparse.SUPPRESS)   # the workers
    parser.add_argument("--count-first-view", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_open or args.count_first_view:
        return counted_open(args.count_open or args.count_first_view,
                            first_view=bool(args.count_first_view))
    if args.instructions:
        return report_instructions()

    print_widget(widget_timing(1000, args.repeats), widget_timing(33000, args.repeats),
                 args.repeats)
    if args.widget_only:
        return

    print_dashboard(dashboard_overhead(args.repeats, args.steps), args.repeats, args.steps)
    print_layout(layout_rows(args.repeats), args.repeats)
    print_collapse(collapse_timing(repeats=args.repeats), args.repeats)
    print_unscoped(unscoped_timing(repeats=args.repeats), args.repeats)


if __name__ == "__main__":
    main()
