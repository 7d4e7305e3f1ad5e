"""Why an op made NaN or Inf from its inputs, in a user's words, and the usual fix.

Computed from the op's name and input values only when a non-finite value has appeared,
so nothing here is on the hot path. Read by check-numerics and NaN origins
(`debugger/numerics.py`) and by the re-attributed numpy warnings (`fpwarnings.py`).
"""
from __future__ import annotations

import numpy as np

_DIVISIONS = ("truediv", "floordiv", "floormod")

# The usual fix of each cause, in each engine's words: an op's `engine` picks the column
# (the numpy engine's ops have none, "tf"; tapeviz.torch's TorchOp says "torch").
FIXES = {
    "entered": {
        "tf": "find where the NaN/Inf entered (tapeviz.debugger.find_nan_origin on the tape)",
        "torch": "find where the NaN/Inf entered (tapeviz.torch.find_nan_origin on the tape)"},
    # a NaN/Inf no op made (debugger/nan_entry.py): in the data, or in a variable's value
    "data": {
        "tf": "check the data before training, ~np.isfinite(data).any(), then drop those "
              "rows (data[np.isfinite(data).all(axis=1)]) or fill them (np.nan_to_num, "
              "df.fillna)",
        "torch": "check each batch before the model, ~torch.isfinite(x).any(), then drop "
                 "those rows (x[torch.isfinite(x).all(dim=1)]) or fill them "
                 "(torch.nan_to_num, df.fillna)"},
    "variable": {
        "tf": "the variable held NaN/Inf before this step read it: an earlier update or "
              "assign wrote it (record the training under a Recorder, then "
              "tapeviz.debugger.diagnose(rec), to find the step), or it was initialised from "
              "data holding NaN; check it with tf.debugging.check_numerics(w, 'w')",
        "torch": "the parameter held NaN/Inf before this step read it: an earlier "
                 "optimizer.step() wrote it (record the training under a Recorder, then "
                 "tapeviz.debugger.diagnose(rec), to find the step), or it was initialised "
                 "from data holding NaN; check it with torch.isfinite(p).all()"},
    "log": {
        "tf": "clip the input away from 0, tf.math.log(tf.clip_by_value(p, 1e-7, 1.0)), or "
              "add an epsilon, tf.math.log(p + 1e-7); for a cross-entropy, give logits to the "
              "built-in loss instead (tf.nn.softmax_cross_entropy_with_logits, or "
              "tf.keras.losses.CategoricalCrossentropy(from_logits=True)); for "
              "log(softmax(x)) use tf.nn.log_softmax(x)",
        "torch": "clip the input away from 0, torch.log(p.clamp(min=1e-7)), or add an "
                 "epsilon, torch.log(p + 1e-7); for a cross-entropy, give the logits to the "
                 "built-in loss instead (F.cross_entropy(logits, labels), or "
                 "F.binary_cross_entropy_with_logits); for log(softmax(x)) use "
                 "F.log_softmax(x, dim=1)"},
    "sqrt": {"tf": "take the root of a non-negative value: tf.sqrt(tf.maximum(x, 0.0))",
             "torch": "take the root of a non-negative value: torch.sqrt(x.clamp(min=0))"},
    "rsqrt": {
        "tf": "add an epsilon: tf.math.rsqrt(variance + 1e-5), as batch normalisation does",
        "torch": "add an epsilon: torch.rsqrt(variance + 1e-5), as batch normalisation does"},
    "reciprocal": {"tf": "add an epsilon: tf.math.reciprocal(x + 1e-7)",
                   "torch": "add an epsilon: torch.reciprocal(x + 1e-7)"},
    "reduce_std": {
        "tf": "tf.math.reduce_std has no finite gradient where the std is 0: use "
              "tf.sqrt(tf.math.reduce_variance(x, axis) + 1e-12), or drop the constant feature",
        "torch": "torch.std has no finite gradient where the std is 0: use "
                 "torch.sqrt(x.var(dim) + 1e-12), or drop the constant feature"},
    "sqrt_grad": {"tf": "add an epsilon inside the root: tf.sqrt(x + 1e-12)",
                  "torch": "add an epsilon inside the root: torch.sqrt(x + 1e-12)"},
    "grown": {
        "tf": "lower the learning rate (10x, until the loss falls), clip the gradients "
              "(tf.clip_by_global_norm) or normalise the inputs; to see the loss grow and the "
              "update that overshoots, train under a Recorder (then "
              "tapeviz.debugger.diagnose(rec)) or a Dashboard",
        "torch": "lower the learning rate (10x, until the loss falls), clip the gradients "
                 "(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0) before "
                 "optimizer.step()) or normalise the inputs; to see the loss grow and the "
                 "update that overshoots, train under a Recorder (then "
                 "tapeviz.debugger.diagnose(rec)) or a Dashboard"},
}


def engine_of(op) -> str:
    """The column of FIXES in `op`'s engine's words."""
    return getattr(op, "engine", "tf")

def _array(value) -> np.ndarray:
    return np.asarray(getattr(value, "_value", value))


def _count_of(mask, what: str) -> str:
    return f"{int(np.count_nonzero(mask))} of {np.size(mask)} {what}"


def _were(mask, plural: str) -> str:
    """'3 of 4 inputs were', or 'the input was' for a single value."""
    if np.size(mask) == 1:
        return f"the {plural[:-1]} was"
    return f"{_count_of(mask, plural)} were"


def nonfinite_counts(x) -> tuple[int, int]:
    """(NaN count, Inf count) of an array; (0, 0) for other dtypes and empty arrays."""
    if x.dtype.kind not in "fc" or x.size == 0:
        return 0, 0
    nans = int(np.isnan(x).sum())
    return nans, int(x.size - nans - np.isfinite(x).sum())


def nonfinite_kinds(x, nan: str = "nan") -> list[str]:
    """What a float array holds of NaN, inf and -inf, as numpy prints them (`nan` spelt as
    asked): ['-inf'] for log(0)'s output; [] for other dtypes or finite values. A numpy
    scalar (a recorded step's 0-d value) is read as one: its NaN was said 'NaN/Inf'."""
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "fc":
        return []
    return [word for held, word in ((np.isnan(x).any(), nan), (np.isposinf(x.real).any(), "inf"),
                                    (np.isneginf(x.real).any(), "-inf")) if held]


FROM_OUTSIDE = "it came from outside the recorded ops (a constant, a variable's value, or a " \
               "fresh tensor)"
SPREAD = "it spread from an earlier op"


def in_pass(phase: str) -> str:
    """Where in the step, as a sentence says it ("in forward" reads as a module's forward()).

    >>> in_pass("backward")
    'in the backward pass'
    """
    return f"in the {phase} pass"


def counted(nans: int, infs: int) -> str:
    """'2 NaN', '1 Inf', '2 NaN and 1 Inf': the counts a value holds, zeros left out."""
    return " and ".join(f"{n} {what}" for what, n in (("NaN", nans), ("Inf", infs)) if n)


def reason(name: str, inputs, output=None, arrived: str = FROM_OUTSIDE) -> str | None:
    """Why op `name` made NaN/Inf from `inputs`, in words; None when no rule knows.
    `arrived` says where a NaN/Inf already in an input came from.

    >>> import numpy as np
    >>> reason("log", [np.array([1.0, -1.0, 0.0, -2.0])])
    '1 of 4 inputs were 0 (log(0) = -inf); 2 of 4 inputs were negative (log(x < 0) = NaN)'
    """
    arrays = [_array(x) for x in inputs]
    for i, x in enumerate(arrays):
        nans, infs = nonfinite_counts(x)
        if nans or infs:
            return f"input {i} already held {counted(nans, infs)}: {arrived}"
    out = None if output is None else _array(output)
    if out is not None and out.size and any(a.size == 0 for a in arrays):
        i, shape = next((i, a.shape) for i, a in enumerate(arrays) if a.size == 0)
        return (f"input {i} is empty (shape {shape}): {EMPTY}")
    x = arrays[0] if arrays else np.zeros(0)
    y = arrays[1] if len(arrays) > 1 else None
    found = _domain_reason(name, x) or (_division_reason(x, y) if name in _DIVISIONS
                                         and y is not None else None)
    if found:
        return found
    if name == "sqrt_grad" and np.any(x == 0):  # dy * 0.5 / y, y = sqrt(x)
        return (f"sqrt's gradient 0.5 / sqrt(x) is infinite where x = 0 "
                f"({_count_of(x == 0, 'values')}): e.g. the standard deviation of a constant "
                f"feature, or the norm of a zero vector")
    if name == "exp" and x.dtype.kind == "f":
        limit = float(np.log(np.finfo(x.dtype).max))
        if np.any(x > limit):
            return (f"{_were(x > limit, 'inputs')} > {limit:.4g} "
                    f"(exp overflows {x.dtype.name} there)")
    if (name == "pow" or name == "pow_grad") and y is not None:   # pow_grad's: x ** (y - 1)
        xb, yb = np.broadcast_arrays(x, y if name == "pow" else y - 1)
        negative = (xb < 0) & (yb != np.round(yb))
        if np.any(negative):
            return f"{_were(negative, 'bases')} < 0 with a non-integer exponent"
        if np.any((xb == 0) & (yb < 0)):
            return f"{_were((xb == 0) & (yb < 0), 'bases')} 0 with a negative exponent"
    largest = _largest(arrays)
    if out is not None and out.dtype.kind == "f" and np.isinf(out).any():
        overflowed = f"the result overflowed {out.dtype.name} (largest |input| {largest:.4g})"
        return overflowed + (f": {_grown(f'to {largest:.3g}')}" if largest > HUGE else "")
    # a warning (no output): one text for every step, so "once per line" holds
    return _grown(f"past {HUGE:.0e}") if largest > HUGE else None


EMPTY = ("a mean over no values is NaN: a batch past the end of the data (a slice such as "
         "x[i * 32:(i + 1) * 32] whose start is past the last example), or a mask that kept "
         "nothing")
HUGE = 1e18   # no healthy activation, weight or loss comes near: a run that diverged did


def _largest(arrays) -> float:
    return max((float(np.abs(a).max()) for a in arrays if a.size and a.dtype.kind in "iuf"),
               default=0.0)


def _grown(size: str) -> str:
    """Why an op overflowed from finite inputs that had grown `size` ('to 2e+19')."""
    return (f"the values had grown {size} before this op, as they do when a "
            f"training run diverges (a learning rate too large, or inputs not normalised): "
            f"this op is only where the growth overflowed")


def _domain_reason(name: str, x) -> str | None:
    """Inputs outside the domain of a one-input op: log, log1p, sqrt, rsqrt, reciprocal."""
    parts = []
    if name == "log":
        if np.any(x == 0):
            parts.append(f"{_were(x == 0, 'inputs')} 0 (log(0) = -inf)")
        if np.any(x < 0):
            parts.append(f"{_were(x < 0, 'inputs')} negative (log(x < 0) = NaN)")
    elif name == "log1p" and np.any(x <= -1):
        parts.append(f"{_were(x <= -1, 'inputs')} <= -1")
    elif name == "sqrt" and np.any(x < 0):
        parts.append(f"{_were(x < 0, 'inputs')} negative (sqrt(x < 0) = NaN)")
    elif name in ("rsqrt", "reciprocal"):
        if np.any(x == 0):
            parts.append(f"{_were(x == 0, 'inputs')} 0 (1 / 0 = inf)")
        if name == "rsqrt" and np.any(x < 0):
            parts.append(f"{_were(x < 0, 'inputs')} negative (rsqrt(x < 0) = NaN)")
    return "; ".join(parts) or None


def _division_reason(x, y) -> str | None:
    if not np.any(y == 0):
        return None
    text = ("the divisor was 0" if y.size == 1
            else f"the divisor held {_count_of(y == 0, 'values')} equal to 0")
    constant = _constant_features(x, y)
    if constant is not None:
        features = (f"feature {constant[0]} is" if len(constant) == 1
                    else f"features {constant} are")
        return (f"{text}, and the dividend was 0 there too (0/0 = NaN): a standard deviation "
                f"of 0, because {features} constant (every value equals the mean, so x - mean "
                f"is 0 and so is the std)")
    xb, yb = np.broadcast_arrays(x, y)
    both = int(np.count_nonzero((yb == 0) & (xb == 0)))
    if both == np.count_nonzero(yb == 0):
        return f"{text}, and the dividend was 0 there too (0/0 = NaN)"
    if both:
        return f"{text} ({both} of them over a dividend of 0: 0/0 = NaN; the rest x / 0 = ±inf)"
    return f"{text} (x / 0 = ±inf)"


def _constant_features(x, y) -> list | None:
    """The indices (at most 5) of the divisor's zeros when the divisor was broadcast over
    some axes of the dividend (one value per feature, shared by the batch) and the
    dividend is 0 wherever the divisor is: a constant feature divided by its standard
    deviation. None for any other division."""
    xb, yb = np.broadcast_arrays(x, y)
    padded = (1,) * (yb.ndim - y.ndim) + y.shape
    batch = [i for i, n in enumerate(padded) if n == 1 and yb.shape[i] > 1]
    zero = yb == 0
    if not batch or not np.all(xb[zero] == 0):
        return None
    per_feature = zero[tuple(0 if i in batch else slice(None) for i in range(yb.ndim))]
    where = [tuple(int(i) for i in index) for index in np.argwhere(per_feature)[:5]]
    return [w[0] if len(w) == 1 else list(w) for w in where]


def fix(name: str, inputs, scope: str = "", engine: str = "tf") -> str | None:
    """The usual fix for op `name` making NaN/Inf from `inputs` under the name `scope` (for an
    op inside a VJP, the scope of the forward op), in the words of `engine` (`engine_of(op)`:
    "tf" or "torch"); None when none is known.

    >>> import numpy as np
    >>> fix("rsqrt", [np.array([0.0])])
    'add an epsilon: tf.math.rsqrt(variance + 1e-5), as batch normalisation does'
    >>> fix("log", [np.array([0.0])], engine="torch").split("; ")[-1]
    'for log(softmax(x)) use F.log_softmax(x, dim=1)'
    """
    arrays = [_array(x) for x in inputs]
    x = arrays[0] if arrays else np.zeros(0)
    if any(sum(nonfinite_counts(a)) for a in arrays):
        return FIXES["entered"][engine]
    if any(a.size == 0 for a in arrays):
        return ("train on full batches only: loop over range(len(x) // batch_size), or skip "
                "an empty batch (if len(batch) == 0: continue)")
    if name == "log" and np.any(x == 0):
        return FIXES["log"][engine]
    if name == "log" and np.any(x < 0):
        return "log is defined for x > 0: look at what feeds it (a difference can go negative)"
    if (name == "sqrt" and np.any(x < 0)) or (name == "rsqrt" and np.any(x <= 0)) or (
            name == "reciprocal" and np.any(x == 0)):
        return FIXES[name][engine]
    if name in _DIVISIONS and len(arrays) > 1 and np.any(arrays[1] == 0):
        if _constant_features(x, arrays[1]) is not None:
            return ("add an epsilon to the divisor, (x - mean) / (std + 1e-7), or drop the "
                    "constant feature")
        return "add an epsilon to the divisor, x / (y + 1e-7), or leave the zeros out"
    if name == "sqrt_grad" and np.any(x == 0):
        if (scope or "").rsplit("/", 1)[-1] == "reduce_std":
            return FIXES["reduce_std"][engine]
        return FIXES["sqrt_grad"][engine]
    if _largest(arrays) > HUGE:
        return FIXES["grown"][engine]
    return None
