"""Where the guide's CNN step spends its CPU, phase by phase, in tapeviz and in PyTorch.

bench_cnn.py times whole steps; this splits each step of both libraries into the same four
phases (the forward, the loss, the gradient, the optimizer's update) read by this thread's
CPU clock, in alternating rounds (tapeviz first in even rounds), and prints each phase's
median over rounds of the rounds' medians, with PyTorch's page faults a step, which say its
regime (bench_cnn.FAULTING). `--held` runs it again in a child whose malloc keeps freed
memory (bench_cnn.HELD): PyTorch without page faults, the honest comparison. `--small`
times 1x5x5 images, where a step is all fixed cost (Python, dispatch, the tape).

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/cnn_phases.py [--rounds 8]
[--held] [--small]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import tapeviz as tf
import cnn_twin
from bench_cnn import HELD

PHASES = ("forward", "loss", "gradient", "update", "step")
clock = time.thread_time


def tapeviz_phases(model, optimizer, loss_object):
    """A step of the guide's code that returns each phase's CPU seconds."""
    def step(images, labels):
        start = clock()
        with tf.GradientTape() as tape:
            logits = model(images, training=True)
            forward = clock()
            loss = loss_object(labels, logits)
            lossed = clock()
        grads = tape.gradient(loss, model.trainable_variables)
        gradient = clock()
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return _spans(start, forward, lossed, gradient, clock())
    return step


def torch_phases(torch, model):
    """The PyTorch twin's step (cnn_twin.torch_step's, zero_grad counted in the forward)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)

    def step(images, labels):
        start = clock()
        optimizer.zero_grad()
        logits = model(images)
        forward = clock()
        loss = torch.nn.functional.cross_entropy(logits, labels)
        lossed = clock()
        loss.backward()
        gradient = clock()
        optimizer.step()
        return _spans(start, forward, lossed, gradient, clock())
    return step


def _spans(*marks) -> tuple:
    """The four phases' seconds between five clock readings, and the whole step's."""
    return tuple(b - a for a, b in zip(marks, marks[1:])) + (marks[-1] - marks[0],)


def measure(torch, rounds: int, steps: int) -> dict:
    """{library: {phase: median over rounds of each round's median seconds}, and "faults":
    PyTorch's median page faults a step}."""
    model = cnn_twin.tapeviz_model()
    twin = cnn_twin.torch_model(torch, model)
    data = cnn_twin.batches(steps)
    runs = {"tapeviz": (tapeviz_phases(model, tf.keras.optimizers.Adam(),
                                       tf.keras.losses.SparseCategoricalCrossentropy(
                                           from_logits=True)),
                        [(tf.constant(x), tf.constant(y)) for x, y in data]),
            "pytorch": (torch_phases(torch, twin),
                        [(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()),
                          torch.from_numpy(y)) for x, y in data])}
    for step, batches in runs.values():   # warm: first calls, caches, the recycler's arrays
        for batch in batches[:3]:
            step(*batch)
    medians = {name: {phase: [] for phase in PHASES} for name in runs}
    faults = []
    for round_ in range(rounds):
        for name in (runs if round_ % 2 == 0 else reversed(runs)):
            step, batches = runs[name]
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            spans = [step(*batch) for batch in batches]
            if name == "pytorch":
                faults.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
                              / len(batches))
            for phase, seconds in zip(PHASES, zip(*spans)):
                medians[name][phase].append(statistics.median(seconds))
    result = {name: {phase: statistics.median(values) for phase, values in phases.items()}
              for name, phases in medians.items()}
    result["faults"] = statistics.median(faults)
    return result


def table(result: dict) -> str:
    lines = [f"  {'phase':<9} {'tapeviz':>8} {'PyTorch':>8} {'difference':>11}  (ms a step)"]
    for phase in PHASES:
        ours, theirs = result["tapeviz"][phase] * 1e3, result["pytorch"][phase] * 1e3
        lines.append(f"  {phase:<9} {ours:8.3f} {theirs:8.3f} {ours - theirs:+11.3f}")
    lines.append(f"  PyTorch {result['faults']:,.0f} page faults a step")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20, help="steps per library per round")
    parser.add_argument("--held", action="store_true",
                        help="also in a child whose malloc keeps freed memory (no faults)")
    parser.add_argument("--small", action="store_true", help="1x5x5 images: the fixed cost")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child's
    args = parser.parse_args()
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
    if args.small:
        cnn_twin.BATCH, cnn_twin.SIZE = 1, 5
    result = measure(torch, args.rounds, args.steps)
    if args.json:
        return print(json.dumps(result))
    print(f"one thread each, {args.rounds} rounds x {args.steps} steps, batch {cnn_twin.BATCH}, "
          f"{cnn_twin.SIZE}x{cnn_twin.SIZE}x1, load {os.getloadavg()[0]:.1f}")
    print("this process's malloc:\n" + table(result))
    if args.held:
        argv = [sys.executable, __file__, "--rounds", str(args.rounds), "--steps",
                str(args.steps), "--json"] + (["--small"] if args.small else [])
        done = subprocess.run(argv, env=dict(os.environ, GLIBC_TUNABLES=HELD),
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"the held run failed: {done.stderr[-2000:]}")
        print("malloc holding freed memory (bench_cnn.HELD):\n"
              + table(json.loads(done.stdout.splitlines()[-1])))


if __name__ == "__main__":
    main()
