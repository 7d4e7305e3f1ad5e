"""One-line value summaries and text histograms of tensors, for error messages and reports.

Everything here reads values only (a Tensor, a numpy array or a Python number) and never
runs an op, so summaries are safe to call from inside subscribers and error paths.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ..dtypes import shown_name

BLOCKS = "▁▂▃▄▅▆▇█"


class NoValues(np.ndarray):
    """A value's shape and dtype with no values behind them (a torch meta tensor's): zero
    strides over one zero, no memory; `summarize` and the inspector say so, not its zeros."""

    why = "no values"

    def __array_finalize__(self, obj) -> None:
        self.why = getattr(obj, "why", NoValues.why)

    def __repr__(self) -> str:   # (a Tensor's repr shows its value's: not zeros)
        return f"<{self.why}>"

    __str__ = __repr__


def no_values(shape: tuple, dtype, why: str) -> NoValues:
    """A `NoValues` of `shape` and `dtype`; `why` says what holds no data ('a meta tensor')."""
    made = np.broadcast_to(np.zeros((), dtype), shape).view(NoValues)
    made.why = why
    return made


def _array(value) -> np.ndarray:
    """The numpy value behind a Tensor, a VariableRead, an array or a Python number."""
    return np.asarray(getattr(value, "_value", value))


def all_finite(value) -> bool:
    """Whether a value holds no NaN or Inf (True for integer and bool values).

    Asked of every op's output by nan breakpoints and check-numerics, so it is cheap: a
    float scalar is checked by `math.isfinite` (~0.05 us, `np.isfinite` ~0.7), a float32
    or float64 array by its dot product with itself (one BLAS pass, ~2.5x faster than
    `np.isfinite(a).all()` on a conv activation), other arrays by their sum. A NaN or Inf
    always makes that result non-finite; finite values make it finite unless it
    overflows, and only then are the elements checked one by one.

    >>> all_finite(np.array([1.0, 3e38, 3e38], np.float32)), all_finite(np.float32("nan"))
    (True, False)
    """
    values = getattr(value, "_value", value)
    if isinstance(values, np.floating):
        return math.isfinite(values)
    values = np.asarray(values)
    dtype = values.dtype
    if dtype.kind not in "fc":
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype.type is np.float32 or dtype.type is np.float64:
            flat = values.ravel()
            quick = np.dot(flat, flat)
        else:
            quick = values.sum()
    return bool(np.isfinite(quick)) or bool(np.isfinite(values).all())


SMALL = 4096           # values at most this large are checked together, many per numpy call
BATCH = 1 << 20        # values joined into one array at a time (8 MiB as float64)
SCALARS_APART = 64     # float scalars read apart once this many: fewer are joined as arrays
_NUMPY_TYPES: dict = {}   # type -> whether its instances are numpy arrays or scalars
_SIZE, _DTYPE = operator.attrgetter("size"), operator.attrgetter("dtype")
_FLOAT_SCALARS = frozenset((np.float16, np.float32, np.float64))   # exact in float64


def _numpy_values(values: list) -> list:
    """`values` as numpy arrays or scalars: as they are when they all are one already (a
    long tape's outputs: no call per value), else each through `_array`."""
    for kind in set(map(type, values)):
        numpy = _NUMPY_TYPES.get(kind)
        if numpy is None:
            numpy = _NUMPY_TYPES[kind] = issubclass(kind, (np.ndarray, np.generic))
        if not numpy:
            return list(map(_array, values))
    return values


def nonfinite_each(values) -> list:
    """For each value (as `all_finite` takes them), whether it holds NaN or Inf.

    The many small float values of a long tape are joined and checked a batch at a time,
    so a 100,000-op tape costs a few numpy calls and C-level passes, not one (~2 us of
    `errstate`) per value; joining promotes to a common dtype, which never makes a finite
    value non-finite. Values of one float dtype (a long tape's) are joined as bytes, numpy
    scalars among them; among values of several dtypes, float scalars are read into one
    float64 array (np.concatenate converts each to an array first: ~1.5 us apiece). Larger
    values are asked of `all_finite` one by one; integer and bool values are never looked
    at.

    >>> nonfinite_each([np.ones(3), np.float32("inf"), np.array([1, 2]), np.zeros((0, 2))])
    [False, True, False, False]
    """
    arrays = _numpy_values(list(values))
    count = len(arrays)
    flags = [False] * count
    dtypes = list(map(_DTYPE, arrays))
    floating = {dtype: dtype.kind in "fc" for dtype in set(dtypes)}
    if not any(floating.values()):
        return flags
    if len(floating) == 1:   # one float dtype (a long tape's values): their bytes, one batch
        sizes = np.fromiter(map(_SIZE, arrays), np.intp, count)
        if count and sizes.max() <= SMALL and sizes.sum() <= BATCH:
            _mark_nonfinite(flags, arrays, sizes, range(count), dtypes[0])
            return flags
    checked = np.fromiter(map(floating.__getitem__, dtypes), bool, count)
    kinds = list(map(type, arrays))
    if sum(map(kinds.count, _FLOAT_SCALARS.intersection(kinds))) >= SCALARS_APART:
        scalar = np.fromiter(map(_FLOAT_SCALARS.__contains__, kinds), bool, count)
        at = np.flatnonzero(scalar).tolist()
        finite = np.isfinite(np.fromiter(map(arrays.__getitem__, at), np.float64, len(at)))
        for bad in np.flatnonzero(~finite).tolist():
            flags[at[bad]] = True
        checked &= ~scalar
    sizes = np.fromiter(map(_SIZE, arrays), np.intp, count)
    for at in np.flatnonzero(checked & (sizes > SMALL)).tolist():
        flags[at] = not all_finite(arrays[at])
    small = checked & (sizes <= SMALL)
    # batches of about BATCH values: a batch ends where the running size passes a multiple
    batch_of = np.cumsum(np.where(small, sizes, 0)) // max(BATCH, 1)
    if small.all() and batch_of[-1] == batch_of[0]:   # one batch of every value: no picking
        _mark_nonfinite(flags, arrays, sizes, range(count))
        return flags
    small = np.flatnonzero(small)
    batch_of = batch_of[small]
    cuts = np.flatnonzero(batch_of[1:] != batch_of[:-1]) + 1
    for positions in np.split(small, cuts) if len(small) else ():
        positions = positions.tolist()
        _mark_nonfinite(flags, list(map(arrays.__getitem__, positions)), sizes[positions],
                        positions)
    return flags


def _mark_nonfinite(flags: list, batch: list, sizes: np.ndarray, positions,
                    dtype=None) -> None:
    """Set `flags[positions[k]]` for each array `batch[k]` (of `sizes[k]` values) that
    holds NaN or Inf (`dtype`: the one dtype of them all, when known)."""
    finite = np.isfinite(_joined(batch, dtype))
    if finite.all():
        return
    bad_before = np.concatenate(([0], np.cumsum(~finite)))
    ends = np.cumsum(sizes)
    bad = bad_before[ends] - bad_before[ends - sizes]
    for at in np.flatnonzero(bad).tolist():
        flags[positions[at]] = True


def _joined(batch: list, dtype=None) -> np.ndarray:
    """The values of `batch` as one flat array: their bytes joined when they share one dtype
    (`dtype`, when known) and are contiguous (~40 ns a value, numpy scalars too, where
    np.concatenate takes ~300), else concatenated."""
    dtypes = {dtype} if dtype is not None else set(map(_DTYPE, batch))
    if len(dtypes) == 1:
        try:
            return np.frombuffer(b"".join(batch), dtypes.pop())
        except TypeError:   # a value that is not contiguous has no bytes to join
            pass
    return np.concatenate(batch, axis=None)


def _num(x: float) -> str:
    return f"{x:.4g}"


def _head(values: np.ndarray) -> str:
    return f"{shown_name(values.dtype)}[{', '.join(str(d) for d in values.shape)}]"


def _single(values: np.ndarray) -> str:
    """The one value of a size-1 array as numpy prints it ('1.0', '0.1'), NaN and Inf
    spelled so."""
    value = values.reshape(-1)[0]
    if values.dtype.kind == "f" and not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("-Inf" if value < 0 else "Inf")
    return str(value)


def summarize(tensor) -> str:
    """One line: dtype, shape, min/max/mean/std of the finite values, NaN/Inf/zero counts;
    a single value reads as itself.

    >>> import numpy as np
    >>> summarize(np.array([[1.0, 0.0], [np.nan, 3.0]], np.float32))
    'float32[2, 2] min 0 max 3 mean 1.333 std 1.247 | nan 1 inf 0 zeros 1'
    >>> summarize(np.array([True, False, True]))
    'bool[3] true 2 false 1'
    >>> summarize(np.zeros((0, 3)))
    'float64[0, 3] empty'
    >>> summarize(np.float32(1)), summarize(np.array([[np.nan]], np.float32))
    ('float32 scalar 1.0', 'float32[1, 1] NaN')
    """
    values = getattr(tensor, "_value", tensor)
    if isinstance(values, NoValues):
        return f"{_head(values)} {values.why}"
    values = np.asarray(values)
    if values.ndim == 0 and values.dtype.kind in "biuf":
        return f"{shown_name(values.dtype)} scalar {_single(values)}"
    head = _head(values)
    if values.size == 0:
        return f"{head} empty"
    if values.size == 1 and values.dtype.kind in "biuf":
        return f"{head} {_single(values)}"
    if values.dtype.kind == "b":
        true = int(np.count_nonzero(values))
        return f"{head} true {true} false {values.size - true}"
    if values.dtype.kind not in "iuf":
        return f"{head} (not numeric)"
    zeros = int(values.size - np.count_nonzero(values))
    if values.dtype.kind != "f":
        as_float = values.astype(np.float64)
        return (f"{head} min {_num(values.min())} max {_num(values.max())} mean "
                f"{_num(as_float.mean())} std {_num(as_float.std())} | zeros {zeros}")
    finite_mask = np.isfinite(values)
    nans = int(np.isnan(values).sum())
    infs = int(values.size - nans - finite_mask.sum())
    finite = values[finite_mask].astype(np.float64)
    if finite.size:
        stats = (f"min {_num(finite.min())} max {_num(finite.max())} mean {_num(finite.mean())} "
                 f"std {_num(finite.std())}")
    else:
        stats = "no finite values"
    return f"{head} {stats} | nan {nans} inf {infs} zeros {zeros}"


class Histogram:
    """Counts of the finite values in `bins` equal bins over [min, max]; NaN/Inf counted apart.

    `counts` and `edges` are numpy arrays as `np.histogram` returns them; `str()` gives a
    one-line sparkline of block characters, `text()` a bar per bin.
    """

    def __init__(self, counts, edges, nan: int, posinf: int, neginf: int, dtype, shape):
        self.counts = counts
        self.edges = edges
        self.nan = nan
        self.posinf = posinf
        self.neginf = neginf
        self.dtype = dtype
        self.shape = shape

    @property
    def inf(self) -> int:
        return self.posinf + self.neginf

    @property
    def sparkline(self) -> str:
        """One block character per bin, height by count (a space for an empty bin)."""
        top = int(self.counts.max()) if self.counts.size else 0
        if top == 0:
            return ""
        return "".join(" " if c == 0 else BLOCKS[max(1, int(np.ceil(8 * c / top))) - 1]
                       for c in self.counts)

    def _nonfinite(self) -> str:
        return f"nan {self.nan} +inf {self.posinf} -inf {self.neginf}"

    def __str__(self) -> str:
        total = int(self.counts.sum())
        if total == 0:
            return f"(no finite values) {self._nonfinite()}"
        return (f"{self.sparkline}  [{_num(self.edges[0])}, {_num(self.edges[-1])}]  "
                f"n={total}  {self._nonfinite()}")

    def text(self, width: int = 30) -> str:
        """A multi-line rendering: one row per bin with its range, a bar and its count."""
        top = int(self.counts.max()) if self.counts.size else 0
        rows = []
        for count, lo, hi in zip(self.counts, self.edges[:-1], self.edges[1:]):
            bar = "█" * (int(round(width * count / top)) if top else 0)
            rows.append(f"[{_num(lo):>9}, {_num(hi):>9}) {bar} {int(count)}")
        rows.append(self._nonfinite())
        return "\n".join(rows)

    def __repr__(self) -> str:
        return f"<Histogram {self}>"

    def _repr_html_(self) -> str:
        from html import escape
        return f"<pre>{escape(self.text())}</pre>"


def histogram(tensor, bins: int = 10) -> Histogram:
    """Histogram of the finite values of `tensor`; NaN and ±Inf are counted, not binned.

    >>> import numpy as np
    >>> h = histogram(np.array([0.0, 1, 1, 2, 2, 2, 3, np.inf]), bins=4)
    >>> h.counts.tolist(), h.posinf
    ([1, 2, 3, 1], 1)
    >>> str(h)
    '▃▆█▃  [0, 3]  n=7  nan 0 +inf 1 -inf 0'
    """
    values = _array(tensor)
    flat = values.reshape(-1)
    if values.dtype.kind == "b":
        flat = flat.astype(np.int64)
    if flat.dtype.kind not in "iuf":
        raise TypeError(f"histogram: expected a numeric tensor; got {values.dtype}")
    nan = posinf = neginf = 0
    if flat.dtype.kind == "f":
        nan = int(np.isnan(flat).sum())
        posinf = int(np.isposinf(flat).sum())
        neginf = int(np.isneginf(flat).sum())
        flat = flat[np.isfinite(flat)]
    flat = flat.astype(np.float64)
    if flat.size:
        try:
            counts, edges = np.histogram(flat, bins=bins)
        except ValueError:   # values a few ULPs apart, or one large value (numpy widens one
            # value by 0.5, nothing at 1e18): no `bins` distinct edges. Widened by ULPs.
            low, high = float(flat.min()), float(flat.max())
            room = float(np.spacing(max(abs(low), abs(high)))) * bins
            counts, edges = np.histogram(flat, bins=bins, range=(low - room, high + room))
    else:
        counts, edges = np.zeros(bins, np.int64), np.linspace(0.0, 1.0, bins + 1)
    return Histogram(counts, edges, nan, posinf, neginf, values.dtype, values.shape)
