"""Microseconds per op of a 10-op scalar chain, forward + backward under a tape.

Measured side by side in one run (these machines are noisy: read the ratios):
tapeviz with nobody subscribed, tapeviz with a subscriber that keeps every op's
source line, a minimal hand-written numpy tape, and PyTorch when it is installed.
Rounds interleave the cases; the figure against PyTorch is the median of each round's
ratio of CPU times, printed with its range. `--instructions` adds valgrind's count of the
instructions an iteration executes in tapeviz and PyTorch (see instructions.py).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_dispatch.py
     [--repeats 7] [--iterations 2000] [--instructions]
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

import instructions
import tapeviz as tf

CHAIN_LENGTH = 10

# GradientTape.record's share (issue 14, the widget's first view): noting the runs of ops in
# one scope as the tape records (an identity check an op) costs 427.7k -> 428.2k instructions
# an iteration (+0.1%, valgrind, the same tree with and without); an index of each input's
# producer, each op's input count and op number cost ~+9.7% (list columns, by one record's
# count) to +19% (array('q'), measured) and was left out (bench_viz.py says what it would
# have bought).
# TF's truediv of int8/int16/uint8 (float32 quotients, not numpy's float64) as truediv's forward,
# a Python function where it was operator.truediv: predicted +0.2% (one frame for each of the
# iteration's two divisions); 430.0k -> 431.8k instructions an iteration (+0.4%, valgrind, two
# runs each, the same tree with and without; 433.0k, +0.7%, when it read every x's dtype: a
# float scalar's type is checked first now).
# An op that only tapes record, nobody hearing it (every op of this chain), takes
# dispatch._dispatch_taped (06781a4), not _dispatch_traced's questions about hearers, lines,
# node forms, a Recorder's sink and its branch: predicted -4% to -6% an iteration (~55
# bytecodes an op); valgrind, 100 iterations, b473c32's tree and 43724c7's, each alone in a
# worktree: 436.2k -> 420.7k instructions an iteration (-3.6%). bench_regression's lecture
# loop, one epoch, the same trees: 294.8k -> 288.5k a step (-2.1%; PyTorch's ~377k). Its
# CPU medians against PyTorch, the trees alternated twice at load 10-15: 0.535x, 0.653x ->
# 0.590x, 0.599x (PyTorch's two threads lose more to the load than tapeviz: no figure for
# the change; the goal is read at load ~1).
# Round 29 (bench_debugger.py's: a followed op's check by producers_of, slices for the inputs
# kept, an update's ids without maps) touches only a Recorder's paths: predicted no change
# here; valgrind, 200 iterations, 4eae7c0's tree and 5376a81's, each alone: 425.1k -> 425.2k
# instructions an iteration (PyTorch 584.5k: 0.727x both).
# Round 30 (issue 14's 0.7x): where an iteration's ~420k instructions go (callgrind, by C
# function and by a bytecode count of each Python function): numpy itself 14.8k (3.5%; the
# values are numpy scalars, not 0-d arrays), the rest the interpreter, ~6,900 bytecodes and
# ~150 Python calls an iteration, ~60 instructions a bytecode; the chain's forward alone
# 83.9k without a tape, 212k under one (~13k an op for the taped path: line, tensors, node,
# record), the backward ~208k. Read counts with gc frozen and off (`gc.collect();
# gc.freeze(); gc.disable()` before the counted run): without, a tree's collection phase
# moves a count by up to 8k (the same code, 214.5k in one tree and 222.5k in another).
# Kept: dispatch runs an op only tapes record in its own body, not in _dispatch_taped (a
# frame an op less): predicted -5k; 420.1k -> 416.2k an iteration (forward under a tape
# 212.0k -> 207.7k); this file's --instructions count, 300 iterations, 1e410bb's parent's
# tree and its own: 420.6k -> 416.7k (PyTorch 585.0k: 0.719x -> 0.712x). bench_regression,
# 2 epochs counted, the same trees: 282.0k -> 280.8k a step (PyTorch 378.4k: 0.745x ->
# 0.742x). CPU A/B alternated at load 5-8: no figure (PyTorch's two threads lose more to
# the load; rounds 0.53-0.77x either way).
# Tried, not kept: the user's line by its call site's key looked up inline (frame 1 or 2,
# `_sites.get((id(code), f_lasti))`) before `source_from`'s walk: +6.7k an iteration
# (the operators' ops, frame 2 tapeviz's Tensor.__mul__, build and miss the key and walk
# anyway; the hits saved less than a walk of one frame costs: source_from's ~3k a call is
# mostly its getset reads, id()'s audit event and the key's tuple, inline or not); the
# unary case of input_tensors inline in dispatch: -1.3k (0.3%, a duplicate of its hot
# case: left out). Where the rest is: an Op called as `tf.sin(y)` pays ~520 instructions
# of slot_tp_call over a function call (type lookup, argument tuple, prepend), ~10 calls an
# iteration; each id() raises an audit event and allocates an int (~42 an iteration).
# Round 31 (issue 14's 0.7x with a margin): valgrind, 200 iterations, gc frozen and off,
# 402bf5d's tree and it with this round's three changes: 412.5k -> 393.3k instructions an
# iteration (-4.7%; backward alone 220.6k -> 201.5k); this file's --instructions count at
# 069f640 (with the others' commits up to it): tapeviz 390.5k, PyTorch 584.3k, 0.668x (the
# goal's 0.68x met by instructions). CPU, the two trees alternated 4 rounds at load ~6:
# 63.7-72.8 -> 57.9-62.5 us an iteration (medians 66.8 -> 60.7, -9%); this file's CPU
# median against PyTorch at 069f640: 0.53x (rounds 0.51-0.59x). bench_regression, 2 epochs
# counted, the same two trees: 275.0k -> 272.3k a step (PyTorch 377.9k: 0.728x -> 0.721x).
# Kept: the backward pass calls a no-params node's VJP rules itself, not through
# op.input_grads (40275b7, a frame a step less: -6.8k); a unary node's one-function VJP
# called with its input, not *inputs (b6a42b2: CALL_FUNCTION_EX recurses in C: -3.0k);
# sqrt_grad's (and rsqrt_grad's, reciprocal_grad's) `(dy != 0).all()` on a numpy scalar,
# a 0-d array and a reduce, read as the bool the comparison is (069f640: -10.1k for one
# call an iteration).
# Tried, not kept: (a) the "raw mode", a VJP nobody can see run on numpy values
# (dispatch gives values while a thread flag is set; numpy's errors set to raise through
# its error-state contextvar, a step that would warn or raise run again the ordinary way):
# 416.4k -> 462.0k an iteration, backward 220.4k -> 270.5k (Python calls in the backward
# 165 -> 207): this chain's VJPs are one fused op each already (sin_grad, tanh_grad, ...;
# 3 of 10 steps use operators), so a step saved little of dispatch and paid a frame, the
# contextvar's two sets, its gradients' wrapping and numpy's reads of a non-default error
# state. Dispatch's forward called with two or one arguments, not `*arrays`: 402.7k ->
# 411.1k (its call site sees many functions: no specialized call, and the length tests
# cost). Where the rest is (a trace's count of one iteration): ~6,700 bytecodes and 120
# Python calls; the backward's loop ~180 bytecodes a step, dispatch's taped path ~118 an
# op, source_from ~47, input_tensors ~60, tape.record ~34.


def chain(lib, x):
    """The 10 ops, written once for any library with TF/torch-style sin, exp, tanh, ..."""
    y = x * 1.5
    y = y + 0.25
    y = lib.sin(y)
    y = y * y
    y = lib.exp(y)
    y = y - 1.0
    y = lib.tanh(y)
    y = y / 2.0
    y = lib.square(y)
    return lib.sqrt(y)


def tapeviz_chain(x):
    with tf.GradientTape() as tape:
        y = chain(tf, x)
    return tape.gradient(y, x)


class _NumpyTape:
    """The smallest honest tape: a list of (vjp closure) entries replayed in reverse."""

    def __init__(self):
        self.entries = []

    def op(self, forward, vjp, x):
        out = forward(x)
        self.entries.append(lambda g, x=x, out=out: vjp(g, x, out))
        return out

    def gradient(self):
        g = np.float32(1.0)
        for vjp in reversed(self.entries):
            g = vjp(g)
        return g


def numpy_chain(x):
    tape = _NumpyTape()
    y = tape.op(lambda v: v * np.float32(1.5), lambda g, v, o: g * np.float32(1.5), x)
    y = tape.op(lambda v: v + np.float32(0.25), lambda g, v, o: g, y)
    y = tape.op(np.sin, lambda g, v, o: g * np.cos(v), y)
    y = tape.op(lambda v: v * v, lambda g, v, o: g * (v + v), y)
    y = tape.op(np.exp, lambda g, v, o: g * o, y)
    y = tape.op(lambda v: v - np.float32(1.0), lambda g, v, o: g, y)
    y = tape.op(np.tanh, lambda g, v, o: g * (np.float32(1) - o * o), y)
    y = tape.op(lambda v: v / np.float32(2.0), lambda g, v, o: g / np.float32(2.0), y)
    y = tape.op(np.square, lambda g, v, o: g * np.float32(2) * v, y)
    y = tape.op(np.sqrt, lambda g, v, o: g * np.float32(0.5) / o, y)
    return tape.gradient()


def torch_chain(torch):
    def run(x):
        (grad,) = torch.autograd.grad(chain(torch, x), x)
        return grad
    return run


def check_agreement(cases) -> None:
    values = {name: float(np.asarray(fn(arg))) for name, (fn, arg) in cases.items()}
    reference = values["numpy tape"]
    for name, value in values.items():
        if not math.isclose(value, reference, rel_tol=1e-4):
            raise SystemExit(f"{name} computes gradient {value}, numpy tape {reference}")


def measure(repeats: int, iterations: int) -> dict:
    """Best wall microseconds per op of each case over `repeats` interleaved rounds."""
    return {name: min(wall for wall, _ in times)
            for name, times in timed_rounds(repeats, iterations).items()}


def timed_rounds(repeats: int, iterations: int) -> dict:
    """{case: [(wall, CPU) microseconds per op of each round]}, the cases interleaved."""
    sink = []

    def keep_source(event):
        if type(event) is tf.OpExecuted:
            sink.append(event.node.source)

    cases = {
        "tapeviz, nobody subscribed": (tapeviz_chain, tf.Variable(0.3)),
        "tapeviz, subscriber keeps source lines": (tapeviz_chain, tf.Variable(0.3)),
        "numpy tape": (numpy_chain, np.float32(0.3)),
    }
    try:
        import torch
        cases["pytorch"] = (torch_chain(torch), torch.tensor(0.3, requires_grad=True))
    except ImportError:
        print("(PyTorch not installed: `pip install torch==2.13.0` adds it to the comparison)")
    check_agreement(cases)

    times = {name: [] for name in cases}
    per_op = 1e6 / iterations / CHAIN_LENGTH
    for _ in range(repeats):  # interleaved, so every case sees the same machine load
        for name, (fn, arg) in cases.items():
            subscribed = "subscriber" in name
            if subscribed:
                tf.subscribe(keep_source)
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(iterations):
                fn(arg)
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if subscribed:
                tf.unsubscribe(keep_source)
                assert sink and sink[-1] is not None and sink[-1].filename == __file__
                sink.clear()
            times[name].append((wall * per_op, cpu * per_op))
    return times


def counted_run(library: str, iterations: int) -> None:
    """The worker valgrind counts: `iterations` of one library's chain, warmed up first."""
    if library == "tapeviz":
        fn, arg = tapeviz_chain, tf.Variable(0.3)
    else:
        import torch
        fn, arg = torch_chain(torch), torch.tensor(0.3, requires_grad=True)

    def run():
        for _ in range(iterations):
            fn(arg)
    instructions.run_counted(run)


def instructions_an_iteration(iterations: int = 300) -> dict:
    """{library: instructions an iteration of the chain (10 ops, forward and backward)}."""
    return {library: instructions.count([__file__, "--count", library,
                                         "--iterations", str(iterations)]) / iterations
            for library in ("tapeviz", "pytorch")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions of an iteration (valgrind)")
    parser.add_argument("--count", choices=("tapeviz", "pytorch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count:
        counted_run(args.count, args.iterations)
        return
    times = timed_rounds(args.repeats, args.iterations)
    best = {name: min(wall for wall, _ in rounds) for name, rounds in times.items()}
    numpy_us = best["numpy tape"]
    print(f"{CHAIN_LENGTH}-op scalar chain, forward + backward under a tape "
          f"(best of {args.repeats} x {args.iterations} iterations)")
    print(f"{'case':<42}{'us/op':>8}{'x numpy tape':>14}")
    for name, us in best.items():
        print(f"{name:<42}{us:>8.2f}{us / numpy_us:>14.2f}")
    if "pytorch" in best:
        for name in list(best)[:2]:
            ratios = [ours[1] / theirs[1] for ours, theirs in zip(times[name], times["pytorch"])]
            print(f"{name} vs pytorch: best wall {best[name] / best['pytorch']:.2f}x; CPU "
                  f"median {statistics.median(ratios):.2f}x (rounds {min(ratios):.2f}-"
                  f"{max(ratios):.2f}x), goal <= 0.7x")
    if args.instructions:
        instructions.report(instructions_an_iteration, "an iteration")


if __name__ == "__main__":
    main()
