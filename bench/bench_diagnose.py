"""What `diagnose(recorder)` costs, the call behind a TapeWidget's and the Dashboard's alerts
on a Recorder: instructions of one call (valgrind, see instructions.py), on the two
reference workloads recorded correctly (so every check runs to its end and finds nothing):
10 steps of the TF2 guide's MNIST CNN on the bundled digits (batch 32), and 60 steps of the
CS20 lecture's per-example Huber regression (on the synthetic stand-in for its data).

Figures (one diagnose call, in instructions; two or more runs each, about +-1% apart):

  checks added for the planted lecture bugs   guide CNN        Huber regression
  before (none)                               9.83M / 10.10M   10.01M / 10.11M / 10.12M
  after, first version                        10.11M           10.34M / 10.28M / 10.31M
  after, as kept                              9.86M / 9.86M /  10.09M / 10.09M /
                                              9.89M            10.06M

Predicted: under 2% more, the new checks being one pass over a few steps' ops. The first
version cost +2.8% and +2-3%: the non-scalar-loss check unpacked the first training step's
ops to find its target (now it looks only when that step's loss is not a number), and the
None-gradient check read every step's sources (now the first step's: a variable missing
from it cannot be None in every step). As kept, within the runs' spread of before.

The rebound-Variable check (`w = w - lr * g`), added next, read every step's gradient
sources: 9.92M / 10.25M (+1.7% on the 60-step regression); walking back from the last step
while its sources hold a Tensor (a correct program's: one step), 9.90M / 10.08M.

This round's checks (an oscillation told from a divergence, with the step size's jump; a
NaN pointing to the program bug that grew it; the log of a probability; images divided by
255 twice; gradients never applied; dropout off in training), one diagnose call, "before"
being the same tree with the debugger's files as they were:

                                              guide CNN          Huber regression
  before                                      9.89M / 9.90M      10.11M / 10.11M
  first version                               10.09M / 10.10M    10.21M / 10.19M
  as kept                                     10.05M             10.19M

Predicted: under 1%, each check reading a step the others read. The first version cost
+2.1% on the CNN: the never-applied and dropout-off checks each scanned every op of the last
step (its VJP ops and updates too) and asked five steps for their op count (each a slice of
the step's records); as kept, one look back shared, the update looked for from the step's
end, dropout by one scan of the op names: +1.6% / +0.8%, at the edge of the runs' spread.
`--found` on this round's seven planted bugs: seven found (oscillation, non_scalar_loss
first of the NaN it explains, log_of_probability, scaled_twice, gradients_not_applied,
inference_mode_in_training, divergence naming the learning rate's jump).

A third round (frozen layers, gradients summed and never reset, an evaluation on data
centred by its own statistics, an optimizer made in the loop, a batch norm trained in
inference mode, the Dashboard's short runs, variables named as the code names them), one
diagnose call, "before" the tree at f95839c, each tree alone on PYTHONPATH:

                                              guide CNN          Huber regression
  before                                      10.06M             10.18M
  first version                               11.20M (+11.3%)    10.95M (+7.6%)
  early exits, but len() of every step        10.39M (+3.3%)     10.67M (+4.8%)
  as kept                                     10.24M (+1.8%)     10.30M (+1.2%)

Predicted: +3-5% on the CNN, under 1% on the regression, three new checks each scanning the
last 2-3 trained steps' ops in Python. The first version cost far more: the summed-gradients
check listed every op of three steps (`step.ops`, each a RecordedOp made on the look) before
asking whether any add read a gradient; then the optimizer-in-loop and frozen checks asked
every kept step its len(), which runs an old step's kept backward pass again (cProfile:
__len__ 1 -> 12 calls, _run_kept_passes 4 -> 7). As kept, each check reads the last trained
step first (a C scan of its op names for an add, of its scopes for a batch norm; the step
count from the step's end, where apply_gradients advances it) and the last-trained steps
come from the one look back the never-applied check already makes: +1.8% / +1.2%, about
the spread of runs of one tree seen before (9.83M / 10.10M), above the prediction for the
regression. `--found` on this round: all nine of GUIDE_ROUND found.

This round's planted bugs, in the guide's MNIST CNN (tests/test_bugs_guide_cnn.py, G1-G10),
and how each is said (op and line in every case):

  G1  one-hot labels with the sparse loss        error at the loss: "use categorical_..."
  G2  pixels 0-255                               unscaled_input (found before)
  G3  from_logits=False on logits                warning at the loss line (now also
                                                 logits_as_probabilities)
  G4  softmax head, from_logits=True             double_softmax (found before)
  G5  tf.nn.softmax before the loss              double_softmax (found before)
  G6  no reduce_mean (a loss per example)        non_scalar_loss (found before)
  G7  batch norm model trained with model(x)     MISSED -> inference_mode_in_training
  G8  Adam made inside the loop                  MISSED -> optimizer_in_loop
  G9  the head's gradients, the model's list     error at apply_gradients, the variable named
  G10 valid convs collapsing the 8x8 map         error at the model call, "padding='SAME'"
  --  images shuffled apart from their labels    MISSED, left: no op shows data mis-paired;
                                                 now loss_at_chance (a likely cause)
  and on the same CNN: a layer frozen after the variable list was read (frozen_layer_trained),
  `accum = [a + g ...]` applied and never reset (accumulated_gradients), held-out images
  centred by their own mean (own_statistics): all three silent before.

A fourth round (labels shuffled apart from their images, said from a loss at ln(classes)
and predictions at chance while the weights move; from_logits=False given logits; a relu
or sigmoid on a classifier's head; a regression's sigmoid output whose targets lie outside
(0, 1); pixels scaled by `// 255`; the frozen check quiet on a GAN), one diagnose call,
"before" the tree at fe87ddc with diagnosis.py, program_bugs.py and frozen.py as at
ed2adb5 (first version: fe87ddc; as kept: 74eddd4), each tree alone on PYTHONPATH
(valgrind, two runs of each where two are given):

                                              guide CNN          Huber regression
  before                                      10.21M / 10.21M    10.32M / 10.30M
  first version                               10.39M / 10.38M    10.45M / 10.46M
  early exits (a loss op, an activation)      10.39M             10.41M
  as kept                                     10.37M (+1.6%)     10.40M (+0.9%)

Predicted +0.5-0.8% / +0.3-0.5%: five checks, each a C pass over the shown step's op names
or a look at one op, the chance check over the steps' losses (numbers). The checks alone,
counted on the recorded step: first version 228k / 176k instructions, as kept 212k / 108k.
On the regression the chance check listed the 60 steps and read the last one's ops before
asking whether a classifier's loss was there (now it asks first); on the CNN the cost is
the numpy look at the first layer's input (images of 0 and 1 alone?) and three passes over
the op names, about 10 us in all: left, under the rounds before (+1.8%). A correct
classifier early in its training (its loss still near ln(classes)) reads the ops of its last
16 steps once each, to count its predictions: ~20 ms the first time at 30 steps (load 11),
0.2 ms after.

A fifth round (only a frozen layer's weights trained, or through model.weights; a batch
norm's moving statistics given to the tape; apply_gradients run twice a step; `// 255` in a
helper of another file or cell; a regression predicting one value for every input, its
weight never given to the tape or its learning rate 0; diagnosis.py split in three), one
diagnose call, "before" the tree at 81c67fe, "after" each version's commit, each tree alone
on PYTHONPATH (valgrind; load 17-23, which the counts do not feel):

                                              guide CNN          Huber regression
  before                                      10.40M / 10.39M    10.42M / 10.42M
  first version (08ce62d)                     10.49M             11.23M (+7.8%)
  lr 0 told from the last step (d4ce141)      10.48M             11.11M (+6.6%)
  the cause before the losses (b43c803)       10.50M             10.68M (+2.5%)
  as kept: the values of the reads the cause  10.48M (+0.8%)     10.64M (+2.1%)
    walks, not step.variables (3ccec0b)

Predicted +0.5% / +1%: three checks each one pass over the last trained step's update ops
or gradient sources, the regression check ending at the cause on a correct program. The
first version read, on every correct regression of 20 steps or more, the first step's
variables (an old step's ops, listed again) and the last 30 steps' losses (`step.loss`,
three numpy calls each) before asking whether any weight went untrained; as kept it asks
first and reads one step, the values before its updates from the reads it walks (predicted
-0.08M, got -0.04M). What is left on the regression (~0.2M): the last step's forward
nodes listed and walked for the regression's subtraction and the weights it reads, left.

A sixth round (`// 255` in a helper nested in the training function or a lambda given to
Dataset.map; a learning rate of 0 whatever the model predicts, `unmoved`; the frozen check
quiet when only a GAN's discriminator step is recorded; torch's optimizer.step() run twice),
one diagnose call, "before" the tree at 451bcad, "after" it with this round's debugger files
(integer_division, frozen, unmoved, program_bugs, constant_prediction, applied_twice), each
tree alone on PYTHONPATH (valgrind; load 12-19):

                                              guide CNN          Huber regression
  before                                      10.50M / 10.51M    10.64M / 10.63M
  first version (84b0eb8, 5d0dc8f)            13.21M (+26%)      16.09M (+51%)
  last step looked at first, one len()        10.74M             10.69M (*)
  as kept: its last update first (a4c0054)    10.57M (+0.6%)     10.64M (+0.05%)
  (*) the files changed under that run's second worker: read it as approximate

Predicted +0.3% / +0.5%: the integer-division and frozen additions run only past their
early exits (images of 0 and 1 alone; frozen weights trained alone), the lr-0 check one
look at the last step. The first version asked every trained step its len() (an old step's
kept pass run again, 60 of them on the regression) and walked the last step's every op
before asking whether an update moved a weight; as kept it reads the last step's last
update of a differentiated variable, from the step's end, and stops there when it moved.

A seventh round (torch's mse_loss of (N, 1) against (N,); variables cut off the gradient by
stop_gradient, .detach(), .numpy() or .data, `cut_off`; a learning rate far too small,
`small_updates`; one loss differentiated twice a step, `backward_twice`; torch's loss tensor
in a running total, `running_total`; requires_grad on the data, `unapplied`), one diagnose
call, "before" the tree at e3cb34f, "after" it with this round's debugger files, each tree
alone on PYTHONPATH (valgrind; load 10-17):

                                              guide CNN          Huber regression
  before                                      10.75M / 10.74M    10.76M / 10.77M
  first version                               10.87M / 10.85M    10.88M / 10.88M
  as kept: squared norms by vdot              10.83M (+0.7%)     10.82M (+0.5%)

Predicted under +0.5%: on the numpy engine the torch checks stop at the engine of the shown
step's first op, the cut check at an empty list of None gradients. What is left is the
too-small check's early exit (the last step's last update against its gradient, ~6 us of
a ~1.4 ms call): it walks the step's end as `unmoved`'s check does, a second time.

Run: python bench/bench_diagnose.py (needs valgrind); --found: what diagnose says of each bug
planted in the last two rounds (no valgrind)
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

import instructions  # this folder
import tapeviz as tf
from tapeviz.datasets import load_digits, synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose

WORKLOADS = ("guide_cnn", "huber_regression")


def guide_cnn() -> Recorder:
    tf.random.set_seed(1)
    (images, labels), _ = load_digits()
    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.cast(images[:320, ..., None] / 255, tf.float32), tf.cast(labels[:320], tf.int64)))
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu", input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.batch(32):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def huber_regression(learning_rate: float = 0.01, steps: int = 60) -> Recorder:
    data, _ = synthetic_birth_life()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    rows = np.resize(np.arange(len(data)), steps)   # (past the data: passes over it again)
    with Recorder() as rec:
        for x_i, y_i in zip(data[rows, 0], data[rows, 1]):
            with tf.GradientTape() as tape:
                t = y_i - (x_i * w + b)
                loss = t ** 2 if tf.abs(t) <= 1.0 else 2 * tf.abs(t) - 1.0
            optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return rec


# ---- the planted bugs of this round: what diagnose says of each (`--found`) ------------------
def _digits(scale: float = 255.0, count: int = 192):
    (images, labels), _ = load_digits()
    pixels = tf.cast(images[:count, ..., None] / 255, tf.float32) * (255.0 / scale)
    return tf.data.Dataset.from_tensor_slices((pixels, tf.cast(labels[:count], tf.int64)))


def _guide(dataset, dropout=False, apply=True, training=True, hand_written=False) -> Recorder:
    tf.random.set_seed(0)
    layers = [tf.keras.layers.Conv2D(16, [3, 3], activation="relu",
                                     input_shape=(None, None, 1)),
              tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
              tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)]
    model = tf.keras.Sequential(layers[:3] + [tf.keras.layers.Dropout(0.5)] * dropout
                                + layers[3:])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.batch(32).take(6):
            with tf.GradientTape() as tape:
                logits = model(x, training=training)
                loss = (-tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, 10) * tf.math.log(
                    tf.nn.softmax(logits)), axis=1)) if hand_written else loss_object(y, logits))
            grads = tape.gradient(loss, model.trainable_variables)
            if apply:
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def _guide_bug(bug: str) -> Recorder:
    """The guide's train_step over 6 batches with this round's `bug` planted (one at a time)."""
    tf.random.set_seed(0)
    layers = [tf.keras.layers.Conv2D(16, [3, 3], activation="relu",
                                     input_shape=(None, None, 1)),
              tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
              tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)]
    if bug == "batch norm":
        layers.insert(2, tf.keras.layers.BatchNormalization())
    if bug == "softmax head":
        layers[-1] = tf.keras.layers.Dense(10, activation="softmax")
    model = tf.keras.Sequential(layers)
    model(tf.zeros([1, 8, 8, 1]))
    variables = model.trainable_variables
    if bug == "frozen":
        model.layers[0].trainable = False   # after the list was read
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accum = [tf.zeros_like(v) for v in variables]
    with Recorder() as rec:
        for x, y in _digits(1.0 if bug == "unscaled" else 255.0).batch(32).take(6):
            if bug == "optimizer in loop":
                optimizer = tf.keras.optimizers.Adam()
            with tf.GradientTape() as tape:
                logits = model(x, training=bug != "batch norm")
                if bug == "softmax before the loss":
                    logits = tf.nn.softmax(logits)
                loss = (tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)
                        if bug == "no reduce_mean" else loss_object(y, logits))
            grads = tape.gradient(loss, variables)
            if bug == "sum never reset":
                grads = accum = [a + g for a, g in zip(accum, grads)]
            optimizer.apply_gradients(zip(grads, variables))
        if bug == "test set by its own statistics":
            (images, _), _ = load_digits()
            held_out = tf.constant(images[192:256, ..., None] / 255, tf.float32)
            model(held_out - tf.reduce_mean(held_out, axis=0))
    return rec


def _regression(steps: int, learning_rate, axis=None) -> Recorder:
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)), axis=axis)
            optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return rec


PLANTED = {   # bug: (the program that has it, the finding that names it)
    "Huber regression at learning rate 1.0": (lambda: huber_regression(1.0, 380),
                                              "oscillation"),
    "reduce_mean over the wrong axis, 25 steps": (lambda: _regression(25, 0.01, axis=1),
                                                   "non_scalar_loss"),
    "log of softmax written by hand": (lambda: _guide(_digits(), hand_written=True),
                                       "log_of_probability"),
    "images divided by 255 twice": (lambda: _guide(_digits(255.0 * 255.0)), "scaled_twice"),
    "apply_gradients forgotten": (lambda: _guide(_digits(), apply=False),
                                  "gradients_not_applied"),
    "Dropout model trained with model(x)": (lambda: _guide(_digits(), dropout=True,
                                                           training=False),
                                            "inference_mode_in_training"),
    "learning-rate schedule jumping 100x": (lambda: _regression(
        12, tf.keras.optimizers.schedules.PiecewiseConstantDecay([5], [0.01, 1.0])),
        "divergence"),
}


GUIDE_ROUND = {   # this round's, in the guide's CNN, that diagnose says: bug -> its finding
    "pixels 0-255 (G2)": "unscaled_input",
    "softmax head (G4)": "double_softmax",
    "softmax before the loss (G5)": "double_softmax",
    "no reduce_mean (G6)": "non_scalar_loss",
    "batch norm (G7, trained with model(x))": "inference_mode_in_training",
    "optimizer in loop (G8)": "optimizer_in_loop",
    "frozen (after the variable list was read)": "frozen_layer_trained",
    "sum never reset (accum = [a + g ...])": "accumulated_gradients",
    "test set by its own statistics": "own_statistics",
}


def found() -> None:
    """Each planted bug's program recorded, and the kinds diagnose gives (the one that names
    the bug first)."""
    warnings.simplefilter("ignore")
    planted = {**PLANTED, **{bug: (lambda bug=bug: _guide_bug(bug.split(" (")[0].replace(
        "pixels 0-255", "unscaled")), kind) for bug, kind in GUIDE_ROUND.items()}}
    for bug, (program, kind) in planted.items():
        kinds = [f.kind for f in diagnose(program())]
        print(f"  {'found' if kind in kinds else 'MISSED':6} {bug}: {', '.join(kinds)}")


def worker(name: str) -> None:
    """The counted worker: record the workload, then one diagnose call counted."""
    warnings.simplefilter("ignore")
    rec = globals()[name]()
    assert diagnose(rec) == [], "the correct program must give no finding"
    instructions.run_counted(lambda: diagnose(rec))


def main() -> None:
    if not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    for name in WORKLOADS:
        count = instructions.count([__file__, "--count", name])
        print(f"  diagnose(rec), {name}: {count / 1e6:.2f}M instructions")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--count"]:
        worker(sys.argv[2])
    elif sys.argv[1:2] == ["--found"]:
        found()
    else:
        main()
