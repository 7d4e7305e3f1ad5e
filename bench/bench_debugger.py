"""What the debugger costs: the reference loops plain, with breakpoints armed but never hit,
with the recorder on and under a Runner, measured side by side in one run (read the ratios).

Each row prints its ratio to the plain loop (best CPU time over interleaved rounds, the run
least disturbed by a shared machine) and issue 14's goal for it. Breakpoints
that select ops by name, kind, layer or backward step are heard only by the ops they can
match (the rest keep dispatch's fast path). A file:line one makes dispatch find every
recorded op's line (a VJP's and an update's ops share the gradient or apply line, asked
about once a pass or an apply); a nan one makes it test every op's output (a node only for
a NaN or Inf); a bare condition must see every op's node. The Runner's gate, never paused,
should cost next to nothing.
"nodes kept, nothing else" is the floor under the Recorder: a listener that only keeps each
op's node (what keeping every op alive costs the allocator and the cycle collector); "every
op heard, nothing kept" the floor under that: dispatch's traced path (a node and the user's
line for every op), which any listener of every op pays.

`--instructions` counts instead (valgrind, see instructions.py) the instructions one epoch of
each regression loop executes plain, under the Recorder and heard by a listener that keeps
nothing: a figure no other process's load moves.

Run: python bench/bench_debugger.py [--repeats 7] [--loops regression,lecture,cnn]
     [--instructions]

The Recorder (issue 14's row, goal <= 1.5x). Instructions a step (valgrind, one epoch; the
tree of each commit alone, others' edits out), and CPU (best of 3 rounds, 3 alternated
processes each, load 12-15 on 2 cores: read the CPU ratios to +-0.2x):
                  plain         Recorder before  ->  after                CPU before -> after
  regression      632k / 635k   1,096.2k (1.734x) -> 1,047.4k (1.650x)  2.54-2.76x -> 2.29-2.37x
  lecture's       446k / 447k     887.3k (1.990x) ->   825.3k (1.845x)  3.26-3.39x -> 3.10-3.13x
The goal is missed: this round took the design the last one priced, the VJP ops off the sink.
- Kept: a whole backward pass that `gradient` runs over the step's own taped ops (its tape's
  nodes are the step's taped records, every one: a C compare at the pass's start) is one
  record in the step (debugger/kept_pass.py: targets and sources as its inputs, the user's
  line, the scope); its VJPs' ops take dispatch's fast path and write no upstream gradient.
  A look runs the pass again, unheard and untaped, over the same nodes (tensors are
  immutable: the very ops, values and order; durations those of the look). Predicted -100k
  a step on both loops (the sink's ~13k for each of 6 VJP ops, their packing and counting,
  the upstream writes); measured -63k and -65k (1,096.6k -> 1,033.4k, 888.9k -> 823.6k on the
  working tree): the pass's checks and record (which VJPs are the registry's, the taped
  records' compare, the user's line, the record) cost ~15k of it, and the 6 records it
  replaces were cheaper to pack than predicted.
- Kept, not for speed: an evaluation between steps (a layer's op reading a trainable
  variable, not an update) is a step of its own; its check, first written as a Python pass
  over the waiting ops, cost +14k a step on the regression loop (whose optimizer ops run in
  a scope), then ~0 (C passes first, and a wait whose ops ran as the last clean one's is
  not scanned): 1,047.8k without it, 1,046.0k with it.
Where the rest goes, measured by taking each part out (valgrind, lecture's loop unless said,
working tree): not packing (steps kept as their records) +10k (the collector walks what
packing saves it); neither packing nor counting nor budget -5k (regression -27k); the cycle
collector off altogether -18k (regression -26k). So packing and counting cost about what
they save the collector, and the ~375k a step above plain is spread thin: dispatch's
traced path for the update ops and the records of the taped ones, two clock reads an op,
`_dispatch_sunk` for the 4 update ops (input_tensors wraps each constant, a walk for the
user's line), and sorting each step (`_on_gradient`, `_settle`, `_wait`, a RecordedStep of
~20 attributes a step). The designs left, from these: (c) packing and counting K steps as
one chunk (a step's fixed Python cost spread over K; the previous round's estimate -60 to
-70k); (d) GC-untracked step objects (-18 to -26k at most: the collector's whole share);
the update ops' records without their tensors (constants kept raw; a Variable's read must
stay, its value changes): ~-10k. All of them, if they add up, reach ~1.50x on the regression
loop and ~1.64x on the lecture's, in instructions; CPU stays ~1.4x above instructions
(allocation, cache misses over ~6 kB kept a step).
What would meet it is recording less than every op at all: a step's inputs kept (the batch,
the variables' values: `assign_sub` rebinds to a new array and the recycler reuses an old
one only when nothing holds it, checked: kept by reference) and the whole step run again on
a look, which needs the step's program (its op sequence) from a first recorded step and a
cheap check that later steps follow it.
The Runner's gate, never paused (bench_vs_torch's row read 1.06x on the CNN, best of 5):
over 15 interleaved rounds (load 8-10) the CNN loop under a Runner is 0.987x plain at best,
0.998x by median (a bare thread 0.979x, a GradientComputed listener alone 1.013x), and the
lecture's loop 1.016x / 1.012x (the listener alone 1.016x / 1.005x: a step's event and call,
~0.7 us): nothing left on a step this noise can show; the 1.06x is best-of-5 noise.
A condition answering None is warned of, and its truth test moved inside the guard (a
tensor of many values is noted and disables the breakpoint): "condition on every op",
regression, valgrind, one epoch, 2 runs each, predicted +1k a step: 802.0k-803.4k before,
with a bool() call 806.1k-807.2k (+4k, not kept), with the truth test `if not verdict`
803.4k-803.6k (+1k, within the 1k the same tree moves between runs).
An apply_gradients cut short by a listener puts its variables and slots back: their values
held on every apply cost Adam over a small CNN's 6 variables 1,171.0k -> 1,221.3k
instructions an apply (+4.3%: the old values can no longer be recycled; predicted +4k); held
only while someone subscribes, 1,171.0k-1,171.4k both (valgrind, 100 applies, 2 runs each).
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import time

import numpy as np

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, Runner, break_on, clear_breakpoints

import instructions


def regression_loop(epochs: int = 10):
    """The CS20 per-example Huber regression (as examples/regression.py), a few epochs."""
    data, _ = synthetic_birth_life()
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
    w, b = tfe.Variable(0.0), tfe.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    grad_fn = tfe.implicit_value_and_gradients(lambda x, y: huber_loss(y, x * w + b))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
    for _ in range(epochs):
        for x_i, y_i in tfe.Iterator(dataset):
            _, gradients = grad_fn(x_i, y_i)
            optimizer.apply_gradients(gradients)


def lecture_loop(epochs: int = 10):
    """The lecture's loop as most write it: a GradientTape per example and two assign_sub."""
    data, _ = synthetic_birth_life()
    examples = [(tf.constant(x), tf.constant(y)) for x, y in data]
    w, b = tf.Variable(0.0), tf.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    for _ in range(epochs):
        for x, y in examples:
            with tf.GradientTape() as tape:
                loss = huber_loss(y, x * w + b)
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.001 * dw)
            b.assign_sub(0.001 * db)


def cnn_loop(steps: int = 20):
    """The TF2 guide's MNIST CNN and train step, on batches of 32 random 28x28 images."""
    images = np.random.default_rng(0).random((steps, 32, 28, 28, 1), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, (steps, 32))
    train_guide_cnn(zip(images, labels))


def guide_cnn():
    """The TF2 guide's CNN (seed 0), as its code builds it."""
    tf.random.set_seed(0)
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])


def train_guide_cnn(batches) -> float:
    """The TF2 guide's CNN, Adam and train step over `batches` of (images, labels); returns
    the last loss."""
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = None
    for x, y in batches:
        with tf.GradientTape() as tape:
            loss = loss_object(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)


def armed(*criteria):
    """A mode: these breakpoints armed while the loop runs (none is ever hit)."""
    @contextlib.contextmanager
    def mode():
        for spec in criteria:
            break_on(**spec)
        try:
            yield
        finally:
            clear_breakpoints()
    return mode


@contextlib.contextmanager
def recorder_on():
    with Recorder():
        yield


@contextlib.contextmanager
def nodes_kept():
    """A listener that keeps each op's node and does nothing else."""
    kept = []

    def keep_event(event):
        kept.append(event.node)

    tf.subscribe(keep_event, kinds=(tf.OpExecuted,), timed=False,
                 on_node=lambda node, taped, duration: kept.append(node))
    try:
        yield
    finally:
        tf.unsubscribe(keep_event)


@contextlib.contextmanager
def every_op_heard():
    """A listener of every op that keeps nothing: what the traced path itself costs."""
    def ignore(event):
        pass

    tf.subscribe(ignore, kinds=(tf.OpExecuted,), timed=False,
                 on_node=lambda node, taped, duration: None)
    try:
        yield
    finally:
        tf.unsubscribe(ignore)


def under_runner(loop) -> None:
    """The loop as a Runner's training function, never paused: what its gate costs."""
    runner = Runner(loop).start()
    runner.join()


NEVER = lambda node: False  # noqa: E731  (a condition no op meets)
SELECTIVE = ({"op": "log"}, {"kind": "pool"}, {"layer": "no_such_layer"},
             {"layer": "dense", "condition": NEVER}, {"op": "log", "phase": "vjp"})
# the modes that arm breakpoints and nothing else
BREAKPOINT_MODES = ("op breakpoint", "op, kind, layer and vjp ones",
                    "file:line (finds each op's line)", "nan in any backward step",
                    "condition on every op", "nan in every op's output")
# mode name -> (how it runs a loop, its goal as a ratio to the plain loop: issue 14's table)
MODES = {
    "plain": (armed(), None),
    "op breakpoint": (armed({"op": "log"}), 1.05),
    "op, kind, layer and vjp ones": (armed(*SELECTIVE), 1.05),
    "file:line (finds each op's line)": (armed({"file": "no_such_file.py", "line": 1}), 1.1),
    "nan in any backward step": (armed({"phase": "vjp", "nan": True}), None),
    "condition on every op": (armed({"condition": NEVER}), 1.3),
    "nan in every op's output": (armed({"nan": True}), 1.3),
    "recorder on": (recorder_on, 1.5),
    "nodes kept, nothing else": (nodes_kept, None),
    "every op heard, nothing kept": (every_op_heard, None),
    "runner's gate": (under_runner, 1.05),
}


def run(mode, loop) -> float:
    """CPU seconds (every thread of this process) `loop` takes under `mode` (a context
    manager factory, or a loop runner): on a shared machine, other processes' load moves
    wall time far more than it moves this. The garbage of the runs before is collected
    first, so no mode pays for another's."""
    gc.collect()
    start = time.process_time()
    if mode is under_runner:
        under_runner(loop)
    else:
        with mode():
            loop()
    return time.process_time() - start


def measure(loops: dict, modes: dict, repeats: int) -> dict:
    """{(loop name, mode name): best CPU seconds} over `repeats` interleaved rounds of every
    loop of `loops` ({name: loop}) under every mode of `modes` (as `MODES`)."""
    for loop in loops.values():
        loop()  # warm up: first-call caches, the op routes, numpy's allocator
    best = {(loop, mode): float("inf") for loop in loops for mode in modes}
    for _ in range(repeats):  # interleaved: every mode sees the same machine load
        for loop_name, loop in loops.items():
            for mode_name, (mode, _) in modes.items():
                best[loop_name, mode_name] = min(best[loop_name, mode_name], run(mode, loop))
    return best


COUNTED_MODES = ("plain", "recorder on", "every op heard, nothing kept",
                 "file:line (finds each op's line)", "condition on every op",
                 "nan in every op's output", "op breakpoint")


def counted_run(loop_key: str, mode_name: str) -> None:
    """The worker valgrind counts: one epoch of a regression loop under one mode (a
    breakpoint is armed outside the count: what it costs a step, not to arm)."""
    loop = LOOPS[loop_key][1]
    mode = MODES[mode_name][0]
    if mode_name in BREAKPOINT_MODES:
        with mode():
            instructions.run_counted(lambda: loop(1))
        return

    def one_epoch():
        with mode():
            loop(1)
    instructions.run_counted(one_epoch)


def report_instructions(chosen: list) -> None:
    """Instructions a step of each chosen regression loop under each counted mode, and the
    ratio to plain."""
    if not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    steps = len(synthetic_birth_life()[0])
    for key in (k for k in chosen if k != "cnn"):
        print(LOOPS[key][0] + ", instructions a step (valgrind, one epoch)")
        plain = None
        for mode_name in COUNTED_MODES:
            count = instructions.count([__file__, "--count", key, mode_name]) / steps
            plain = plain or count
            print(f"  {mode_name:<34}{count / 1e3:9.1f}k {count / plain:7.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", default="regression,lecture,cnn",
                        help="comma-separated: regression, lecture, cnn")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions a step instead (valgrind)")
    parser.add_argument("--count", nargs=2, help=argparse.SUPPRESS)  # the counted worker
    args = parser.parse_args()
    if args.count:
        return counted_run(*args.count)
    chosen = args.loops.split(",")
    if args.instructions:
        return report_instructions(chosen)
    loops = {name: loop for key, (name, loop) in LOOPS.items() if key in chosen}
    best = measure(loops, MODES, args.repeats)
    print(f"best of {args.repeats} interleaved rounds, CPU seconds; ratio = best time / best "
          f"plain time")
    for loop_name in loops:
        print(loop_name)
        base = best[loop_name, "plain"]
        for mode_name, (_, goal) in MODES.items():
            seconds = best[loop_name, mode_name]
            ratio = seconds / base
            verdict = ""
            if goal is not None:
                verdict = f"  goal <= {goal}x: {'met' if ratio <= goal else 'MISSED'}"
            print(f"  {mode_name:<34}{seconds:8.3f} s {ratio:7.2f}x{verdict}")


LOOPS = {
    "regression": ("regression (tfe, 10 epochs x 190 examples)", regression_loop),
    "lecture": ("lecture's regression (tape + 2 assign_sub, 10 x 190)", lecture_loop),
    "cnn": ("CNN (20 steps, batch 32, 28x28)", cnn_loop),
}


if __name__ == "__main__":
    main()
