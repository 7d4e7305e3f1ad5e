"""What each of the guide's CNN step's elementwise passes costs inside the step: the step
timed with that pass taken out, against the whole step.

A pass costs more in the step than alone (its arrays come cold: the tape keeps every
activation), and taking it out changes what is in cache for the ops around it, so the
figure that says what a pass is worth is the whole step with and without it. Rounds
alternate in one process (the whole step first in even rounds), each `--steps` steps, one
thread; each row is the median over rounds of (step without it) / (whole step).

Taken out means its output replaced by its input or by an array kept from its first call:
the step's results are WRONG while a pass is out (timing only, never a check). The passes
are tapeviz's work that PyTorch does not do apart: bias_add (oneDNN adds the bias inside its
convolution), the bias gradients' sums (inside convolution_backward), the second conv's
copy of its output pixels out of the taps' grid (oneDNN writes only those), relu and
relu_grad (PyTorch: one pass each; relu_grad is two, the mask and the product). Since the
thirteenth round a Conv2D layer's conv2d, bias_add and relu are one pass (nn_fused.py), so
bias_add and relu are no rows of their own: "fusion off" runs those ops one by one (a ratio
above 1: what the fusion saves), and "conv copy-out" takes out the second conv's store of
its pixels, which now adds the bias and takes relu too. Since the fifteenth round the first
layer's relu_grad is made inside the second conv's input gradient (ops/relu_fold.py, for a
fused layer's relu output only: "fusion off" turns it off too), so the relu_grad row is the
second layer's pass alone.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/cnn_ablate.py [--rounds 10]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import cnn_twin
import tapeviz as tf
from tapeviz.keras.layers import convolutional
from tapeviz.ops import conv_taps
from tapeviz.ops.registry import REGISTRY

clock = time.thread_time


def _kept_per_shape(forward):
    """`forward`, run once per input shape; later calls return that first result."""
    kept = {}

    def first_result(*arrays, **params):
        shape = arrays[-1].shape
        if shape not in kept:
            kept[shape] = forward(*arrays, **params)
        return kept[shape]
    return first_result


# pass -> (registry row, its forward for an image batch (rank 4) given the row's own)
ROWS = {
    "relu_grad": ("relu_grad", _kept_per_shape),
    "bias gradients' sums": ("reduce_sum", _kept_per_shape),
}
PASSES = tuple(ROWS) + ("conv copy-out", "fusion off")


def take_out(name: str):
    """Take the pass `name` out of every later step; returns the function that puts it back."""
    if name == "fusion off":
        fused = convolutional.conv_bias_activation
        convolutional.conv_bias_activation = lambda *args: None
        return lambda: setattr(convolutional, "conv_bias_activation", fused)
    if name == "conv copy-out":
        keep = conv_taps._keep_outputs
        conv_taps._keep_outputs = lambda *args: None
        return lambda: setattr(conv_taps, "_keep_outputs", keep)
    row = REGISTRY[ROWS[name][0]]
    forward = row.forward
    replaced = ROWS[name][1](forward)

    def on_image_batches(*arrays, **params):   # the dense layer's rows run as they are
        return (replaced if arrays[0].ndim == 4 else forward)(*arrays, **params)
    row.forward = on_image_batches
    return lambda: setattr(row, "forward", forward)


def measure(rounds: int, steps: int) -> dict:
    """{"whole" or a pass: each round's median seconds a step}."""
    model = cnn_twin.tapeviz_model()
    step = cnn_twin.tapeviz_step(model, tf.keras.optimizers.Adam(),
                                 tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    batches = [(tf.constant(x), tf.constant(y)) for x, y in cnn_twin.batches(steps)]
    runs = ("whole",) + PASSES
    medians = {run: [] for run in runs}
    for round_ in range(rounds + 1):   # the first round warms each run's arrays: not kept
        for run in (runs if round_ % 2 == 0 else runs[::-1]):
            put_back = take_out(run) if run != "whole" else (lambda: None)
            try:
                spans = []
                for batch in batches:
                    start = clock()
                    step(*batch)
                    spans.append(clock() - start)
            finally:
                put_back()
            if round_:
                medians[run].append(statistics.median(spans))
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20, help="steps per run per round")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits
    threadpool_limits(1, user_api="blas")
    medians = measure(args.rounds, args.steps)
    whole = medians["whole"]
    print(f"one thread, {args.rounds} rounds x {args.steps} steps, batch {cnn_twin.BATCH}, "
          f"load {os.getloadavg()[0]:.1f}: whole step {statistics.median(whole) * 1e3:.3f} ms")
    print(f"  {'taken out':<22} {'step':>7} {'ratio':>6} {'rounds':>12} {'its cost':>9}")
    for name in PASSES:
        ratios = [a / b for a, b in zip(medians[name], whole)]
        ratio = statistics.median(ratios)
        print(f"  {name:<22} {statistics.median(medians[name]) * 1e3:7.3f} {ratio:6.3f} "
              f"{min(ratios):5.3f}-{max(ratios):5.3f} "
              f"{(1 - ratio) * statistics.median(whole) * 1e3:7.3f} ms")


if __name__ == "__main__":
    main()
