"""Keras's data adapter: what `fit`, `evaluate` and `predict` iterate over, one batch each.

Arrays (numpy, tensors, lists of them or dicts of them) are sliced into batches of
tensors, shuffled each pass where asked (a pass is an epoch unless steps_per_epoch cuts
it); a `tapeviz.data.Dataset` (or any iterable of elements) is iterated as it is.
`train_validation_split` holds out `fit`'s `validation_split`, as Keras does: the last
samples, before any shuffling.
"""
from __future__ import annotations

import math

import numpy as np

from .. import arguments
from ..creation import constant
from ..errors import DTypeError, InvalidArgumentError, ShapeError, describe
from ..tensor import Tensor


def is_dataset(x) -> bool:
    """Whether `x` is iterated as it is (a Dataset, a generator) rather than sliced."""
    return x is not None and not isinstance(x, (np.ndarray, Tensor, list, tuple, dict)) \
        and hasattr(x, "__iter__")


def _endless(x) -> bool:
    """Whether `x` is a Dataset tf.data counts infinite (a `repeat()` without a count)."""
    from ..data.cardinality import INFINITE   # (keras loads before data)
    cardinality = getattr(x, "cardinality", None)
    return callable(cardinality) and int(cardinality()) == INFINITE


def _refuse_unknown_rank(caller: str, dataset) -> None:
    """Keras 3's refusal of data whose rank the dataset does not state (from_generator's
    without output_shapes): it cannot check them against the model's input. A spec found
    by running the pipeline (a map's) states its ranks; a Python generator states none."""
    from ..data.dataset import Dataset   # (keras loads before data)
    from ..data.structure import UNKNOWN_SHAPE, flatten
    if not isinstance(dataset, Dataset) or dataset._spec is None or not any(
            spec.shape is UNKNOWN_SHAPE for spec in flatten(dataset.element_spec)):
        return
    raise InvalidArgumentError(
        caller, f"the dataset's element_spec {dataset.element_spec} has a component of unknown "
                f"rank, which Keras 3 cannot check against the model's input: Cannot take the "
                f"length of shape with unknown rank.",
        hint="give from_generator its output_shapes, e.g. output_shapes=((None, 3), (None, 1)) "
             "for batches of 3 features and 1 label (or output_signature=(tf.TensorSpec("
             "(None, 3), tf.float32), ...))")


def refuse_python_lists(caller: str, one_batch: bool = False, **data) -> None:
    """Keras 3's rule: data are arrays, tensors or lists of them (one per input or output),
    and `x` may be a Dataset or a generator where the caller iterates it (`fit`, `evaluate`,
    `predict`; not `train_on_batch`: `one_batch`); a list of Python numbers
    (`[[1.0, 2.0]]`) is refused, not read as an array. Each caller says what it takes."""
    for name, value in data.items():
        leaf = value
        while isinstance(leaf, (list, tuple)) and leaf:
            leaf = leaf[0]
        if leaf is not value and isinstance(leaf, (bool, int, float)):
            raise InvalidArgumentError(
                caller, f"{name} must be {_takes(name, one_batch)}; got a Python "
                        f"{type(value).__name__} of numbers, {describe(value)}",
                hint=f"make it an array first: np.array({name}, dtype='float32')")


def refuse_unbatched(caller: str, x, y) -> None:
    """`train_on_batch` and `test_on_batch` run one step on one batch: a Dataset or a
    generator (which `fit` iterates) failed inside numpy's conversion, 'setting an array
    element with a sequence' or 'len() of unsized object' (TF's refuses it too), and Python
    lists of numbers are refused as `fit` refuses them."""
    if is_dataset(x):
        raise InvalidArgumentError(
            caller, f"x must be {_takes('x', True)}; got {describe(x)}",
            hint=f"fit(...) and evaluate(...) iterate a Dataset or a generator; for {caller} "
                 "take one batch of it: x, y = next(iter(data))")
    refuse_python_lists(caller, True, x=x, y=y)   # Keras 3's layer call refuses x


def _takes(name: str, one_batch: bool) -> str:
    """What data argument `name` may be."""
    if name != "x":   # labels and sample weights: one array per output
        return "a numpy array, a tensor or a list of them (one per output)"
    if one_batch:
        return "one batch: a numpy array, a tensor or a list of them (one per input)"
    return ("a numpy array, a tensor, a list of them (one per input), a Dataset or a Python "
            "generator of batches")


def to_numpy(x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (np.ndarray, Tensor)):
        return [to_numpy(v) for v in x]
    return np.asarray(x)


def length(x) -> int:
    if isinstance(x, dict):
        return length(next(iter(x.values())))
    if isinstance(x, list):
        return length(x[0])
    return len(x)


def _take(x, index):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _take(v, index) for k, v in x.items()}
    if isinstance(x, list):
        return [_take(v, index) for v in x]
    return constant(x[index])


def _refuse_non_numbers(caller: str, name: str, value) -> None:
    """Keras data are numbers: labels as strings (or objects) are refused naming the argument,
    not left to fail in a tensor conversion the user did not call."""
    if isinstance(value, dict):
        for item in value.values():
            _refuse_non_numbers(caller, name, item)
    elif isinstance(value, list):
        for item in value:
            _refuse_non_numbers(caller, name, item)
    elif isinstance(value, np.ndarray) and value.dtype.kind not in "biufc":
        sample = value.reshape(-1)[:3].tolist()
        raise DTypeError(caller, f"{name} must hold numbers; got a {value.dtype.name} array of "
                                 f"shape {value.shape}, starting {sample}",
                         hint="encode labels as class indices first, e.g. classes, y = "
                              "np.unique(y, return_inverse=True)" if name == "y" else None)


class Batches:
    """One epoch's batches as (x, y, sample_weight) data tuples, and their count."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 steps=None, caller: str = "fit"):
        self.dataset = is_dataset(x)
        self.max_steps = steps
        if self.dataset:
            if y is not None:
                raise InvalidArgumentError(caller, "`y` argument is not supported when using "
                                           "a dataset as input: the dataset must yield (x, y) "
                                           f"pairs; got y, {describe(y)}",
                                           hint="put the labels in the dataset: Dataset."
                                           "from_tensor_slices((x, y)).batch(32)")
            if sample_weight is not None:   # Keras 3's words; it was ignored, silently
                raise InvalidArgumentError(caller, "When providing `x` as a tf.data.Dataset, "
                                           "`sample_weights` should not be passed. Instead, "
                                           "the sample weights should be included as part of "
                                           "the tf.data.Dataset.",
                                           hint="Dataset.from_tensor_slices((x, y, "
                                           "sample_weight)).batch(32)")
            if steps is None and _endless(x):
                raise InvalidArgumentError(
                    caller, "When providing an infinite dataset, you must specify the number "
                            "of steps to run (if you did not intend to create an infinite "
                            "dataset, make sure to not call `repeat()` on the dataset).",
                    hint=f"{caller}(ds, {'steps_per_epoch' if caller == 'fit' else 'steps'}"
                         f"=N) (Keras 3 would run forever), or a count: repeat(epochs)")
            _refuse_unknown_rank(caller, x)
            self.x = x
            try:
                count = len(x)
            except TypeError:
                count = None
            self.steps = count if steps is None else steps
            return
        if x is None:
            raise InvalidArgumentError(caller, "x must be the input data: arrays, tensors or "
                                               "a Dataset; got None")
        self.x, self.y, self.sample_weight = to_numpy(x), to_numpy(y), to_numpy(sample_weight)
        for name in ("x", "y", "sample_weight"):
            _refuse_non_numbers(caller, name, getattr(self, name))
        self.n = length(self.x)
        if self.y is not None and length(self.y) != self.n:
            raise ShapeError(caller, f"Data cardinality is ambiguous: x has {self.n} samples "
                                    f"but y has {length(self.y)}; make sure all arrays "
                                    f"contain the same number of samples.")
        self.batch_size = 32 if batch_size is None else \
            arguments.count(caller, "batch_size", batch_size, minimum=1)
        self.shuffle = shuffle
        self.steps = math.ceil(self.n / self.batch_size)
        self.steps = self.steps if steps is None else min(int(steps), self.steps)

    _pass = None   # with steps given: the pass over the data the next epoch goes on with
    _seen = 0      # the batches it has given

    def __iter__(self):
        """One epoch's batches. With `steps` given (steps_per_epoch), as Keras 3 runs epochs:
        an epoch goes on where the last one stopped (a repeated dataset's next batches), and
        one that reaches the end of the data (its count of batches, or the data running out)
        ends there, the next epoch starting a new pass."""
        if self.max_steps is None:
            yield from self._one_pass()
            return
        if self._pass is None:
            self._pass, self._seen = self._one_pass(), 0
        count = self._count()
        for _ in range(self.max_steps):
            data = next(self._pass, None) if self._seen != count else None
            if data is None:   # the pass is over: the next epoch starts another
                self._pass = None
                return
            self._seen += 1
            yield data
        if self._seen == count:
            self._pass = None

    def _count(self):
        """The batches in one pass over the data (None for a dataset of unknown length)."""
        if not self.dataset:
            return math.ceil(self.n / self.batch_size)
        try:
            return len(self.x)
        except TypeError:
            return None

    def _one_pass(self):
        if self.dataset:
            for element in self.x:
                yield element if isinstance(element, tuple) else (element,)
            return
        from .. import random as _random
        from ..creation import range as _range
        order = _random.shuffle(_range(self.n)).numpy() if self.shuffle else np.arange(self.n)
        for step in range(self._count()):
            index = order[step * self.batch_size:(step + 1) * self.batch_size]
            data = (_take(self.x, index), _take(self.y, index), _take(self.sample_weight, index))
            yield data[:2] if data[2] is None else data


def unpack_x_y_sample_weight(data) -> tuple:
    """(x, y, sample_weight) from a data tuple of length 1, 2 or 3 (or a bare x)."""
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) > 3:
        raise ValueError(f"data should be (x,), (x, y) or (x, y, sample_weight); got a tuple "
                         f"of {len(data)} items")
    return tuple(data) + (None,) * (3 - len(data))


def train_validation_split(x, y, sample_weight, fraction: float) -> tuple:
    """The last `fraction` of the samples held out for validation, as Keras does."""
    x, y, sample_weight = to_numpy(x), to_numpy(y), to_numpy(sample_weight)
    n = length(x)
    cut = int(n * (1.0 - fraction))
    head, tail = np.arange(cut), np.arange(cut, n)

    def part(value, index):
        if value is None:
            return None
        if isinstance(value, dict):
            return {k: v[index] for k, v in value.items()}
        if isinstance(value, list):
            return [v[index] for v in value]
        return value[index]

    validation = (part(x, tail), part(y, tail), part(sample_weight, tail))
    return part(x, head), part(y, head), part(sample_weight, head), validation
