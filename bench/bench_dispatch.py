"""Microseconds per op of a 10-op scalar chain, forward + backward under a tape.

Measured side by side in one run (these machines are noisy: read the ratios):
tapeviz with nobody subscribed, tapeviz with a subscriber that keeps every op's
source line, a minimal hand-written numpy tape, and PyTorch when it is installed.

Run: python bench/bench_dispatch.py [--repeats 7] [--iterations 2000]
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import tapeviz as tf

CHAIN_LENGTH = 10


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
    """Best microseconds per op of each case over `repeats` interleaved rounds."""
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

    best = {name: float("inf") for name in cases}
    for _ in range(repeats):  # interleaved, so every case sees the same machine load
        for name, (fn, arg) in cases.items():
            subscribed = "subscriber" in name
            if subscribed:
                tf.subscribe(keep_source)
            start = time.perf_counter()
            for _ in range(iterations):
                fn(arg)
            elapsed = time.perf_counter() - start
            if subscribed:
                tf.unsubscribe(keep_source)
                assert sink and sink[-1] is not None and sink[-1].filename == __file__
                sink.clear()
            best[name] = min(best[name], elapsed / iterations / CHAIN_LENGTH * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args()
    best = measure(args.repeats, args.iterations)
    numpy_us = best["numpy tape"]
    print(f"{CHAIN_LENGTH}-op scalar chain, forward + backward under a tape "
          f"(best of {args.repeats} x {args.iterations} iterations)")
    print(f"{'case':<42}{'us/op':>8}{'x numpy tape':>14}")
    for name, us in best.items():
        print(f"{name:<42}{us:>8.2f}{us / numpy_us:>14.2f}")
    if "pytorch" in best:
        for name in list(best)[:2]:
            print(f"{name} vs pytorch: {best[name] / best['pytorch']:.2f}x")


if __name__ == "__main__":
    main()
