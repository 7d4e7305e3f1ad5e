"""Bounded histories for the live dashboard: a (step, value) series kept as at most
`max_points` buckets, each the raw range of the steps it covers, plus a smoothed line.

The dashboard appends one point per training step for the loss and for each variable's
gradient norm; a loop may run for millions of steps, but the widget state must stay small
(it is sent on every push) and a chart is only so many pixels wide. So a series is a row of
buckets of equal width (in steps appended): each keeps its last step and raw value, the
lowest and highest finite value (the band a chart draws: a one-step spike stays its top),
the exponential moving average at its end (the line drawn, TensorBoard's debiased EMA over
every raw value, skipping NaN/Inf) and its first NaN/Inf with the step it came at (what the
student is looking for: it is never averaged away). Past `max_points` buckets, neighbours
merge in pairs and the width doubles, so the buckets cover the whole run evenly; the newest
bucket always ends at the newest step. The browser gets each column as a binary buffer
(int32 steps, float32 values): ipywidgets sends bytes as they are, where a list of numbers
would be JSON-encoded on every push, and float32 keeps NaN and Inf, which JSON cannot carry.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import bad_argument

_NONE = -1   # bad_step of a bucket with no NaN/Inf


def chart_number(value: float) -> str:
    """`value` as the dashboard's charts write it (chart.js's `fmt`, of the float32 they are
    sent): 4 significant digits, an exponent from 1e5 up and under 1e-3, so the status line's
    'last loss 0.9773' is the number its chart's label shows (it said 0.97733)."""
    with np.errstate(over="ignore"):
        v = float(np.float32(value))
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    if v == 0:
        return "0"
    if not 1e-3 <= abs(v) < 1e5:
        mantissa, exponent = f"{v:.2e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    text = repr(float(f"{v:.4g}"))
    return text[:-2] if text.endswith(".0") else text


def check_settings(owner: str, max_points, smoothing) -> None:
    """Refuse a bucket count or a smoothing a Series cannot keep, naming `owner`, the call the
    user made (a Dashboard checks before it opens its widget)."""
    if isinstance(max_points, bool) or not isinstance(max_points, numbers.Integral) or \
            max_points < 2:
        raise bad_argument(owner, "max_points", "an integer >= 2 (buckets per series, about a "
                           "chart's width in pixels: 400)", max_points)
    if isinstance(smoothing, bool) or not isinstance(smoothing, numbers.Real) or \
            not 0.0 <= smoothing < 1.0:
        raise bad_argument(owner, "smoothing", "a number in [0, 1) (the EMA's weight of the "
                           "past, as TensorBoard's slider: 0 draws the raw values)", smoothing)


class Series:
    """A (step, value) history as at most `max_points` buckets of raw min/max, last value,
    EMA (`smoothing`) and first NaN/Inf.

    >>> s = Series(max_points=4, smoothing=0.5)
    >>> for step in range(1, 11):
    ...     s.append(step, float("nan") if step == 6 else step)
    >>> s.points()        # 10 steps in buckets of 4: each one's last step and raw value
    ([4, 8, 10], [4.0, 8.0, 10.0])
    >>> c = s.columns()   # the raw range of each, and the step of its first NaN/Inf
    >>> c["low"].tolist(), c["high"].tolist(), c["bad_step"].tolist()
    ([1.0, 5.0, 9.0], [4.0, 8.0, 10.0], [-1, 6, -1])
    """

    __slots__ = ("max_points", "smoothing", "width", "steps", "values", "low", "high",
                 "smooth", "bad", "bad_step", "start", "_filled", "_count", "_ema", "_weight")

    def __init__(self, max_points: int = 400, smoothing: float = 0.9):
        check_settings("Series", max_points, smoothing)
        self.max_points = int(max_points)
        self.smoothing = float(smoothing)
        self.width = 1           # steps appended per bucket
        self.steps: list = []    # per bucket: its last step
        self.values: list = []   # ... its last raw value
        self.low: list = []      # ... its lowest and highest finite value (NaN: none finite)
        self.high: list = []
        self.smooth: list = []   # ... the EMA at its last step (NaN before any finite value)
        self.bad: list = []      # ... its first NaN/Inf (0.0: none) and that value's step
        self.bad_step: list = []
        self.start = None        # the first step appended (where a chart's x axis begins)
        self._filled = 0         # points in the newest bucket
        self._count = 0          # points appended so far
        self._ema = 0.0          # the EMA's running sum and its weight (debiasing, as
        self._weight = 0.0       # TensorBoard divides by 1 - smoothing**n)

    def append(self, step: int, value) -> None:
        """Add a point: NaN and Inf are kept in their bucket's `bad`, not in the EMA."""
        value = float(value)
        finite = math.isfinite(value)
        if finite:
            keep = self.smoothing
            self._ema = keep * self._ema + (1.0 - keep) * value
            self._weight = keep * self._weight + (1.0 - keep)
        smooth = self._ema / self._weight if self._weight else math.nan
        self._count += 1
        if self.start is None:
            self.start = step
        if self._filled == self.width or not self.steps:
            if len(self.steps) == self.max_points:
                self._merge_pairs()
            if self._filled == self.width or not self.steps:
                self.steps.append(step)
                self.values.append(value)
                self.low.append(value if finite else math.nan)
                self.high.append(value if finite else math.nan)
                self.smooth.append(smooth)
                self.bad.append(0.0 if finite else value)
                self.bad_step.append(_NONE if finite else step)
                self._filled = 1
                return
        self.steps[-1], self.values[-1], self.smooth[-1] = step, value, smooth
        self._filled += 1
        if finite:
            if not value >= self.low[-1]:   # also when the bucket had no finite value (NaN)
                self.low[-1] = value
            if not value <= self.high[-1]:
                self.high[-1] = value
        elif self.bad_step[-1] == _NONE:
            self.bad[-1], self.bad_step[-1] = value, step

    def _merge_pairs(self) -> None:
        """Halve the buckets: each pair becomes one of twice the width (an odd last one stays,
        half full at the new width)."""
        pairs = len(self.steps) // 2 * 2
        odd = len(self.steps) > pairs
        first, second, rest = slice(0, pairs, 2), slice(1, pairs, 2), slice(pairs, None)
        for name in ("steps", "values", "smooth"):   # a bucket ends where its later half does
            column = getattr(self, name)
            setattr(self, name, column[second] + column[rest])
        self.low = np.fmin(self.low[first], self.low[second]).tolist() + self.low[rest]
        self.high = np.fmax(self.high[first], self.high[second]).tolist() + self.high[rest]
        earlier = [step != _NONE for step in self.bad_step[first]]   # the first NaN/Inf wins
        for name in ("bad", "bad_step"):
            column = getattr(self, name)
            setattr(self, name, [x if e else y for e, x, y in
                                 zip(earlier, column[first], column[second])] + column[rest])
        self.width *= 2
        # an odd last bucket, unpaired, holds half of what it may now; else the last is full
        self._filled = self.width // 2 if odd else self.width

    def __len__(self) -> int:
        return self._count

    def points(self) -> tuple:
        """(steps, values) as lists: each bucket's last step and last raw value (every point,
        while the run is at most `max_points` steps long)."""
        return list(self.steps), list(self.values)

    def columns(self) -> dict:
        """The buckets as numpy arrays: steps (int), values, low, high, smooth, bad, bad_step."""
        return {"steps": np.asarray(self.steps, np.int64),
                "values": np.asarray(self.values, np.float64),
                "low": np.asarray(self.low, np.float64),
                "high": np.asarray(self.high, np.float64),
                "smooth": np.asarray(self.smooth, np.float64),
                "bad": np.asarray(self.bad, np.float64),
                "bad_step": np.asarray(self.bad_step, np.int64)}

    def to_bytes(self) -> dict:
        """Each column as little-endian bytes (int32 steps and bad_step, float32 values), and
        the first step, the points appended, the bucket width and the smoothing, for the
        browser."""
        ints = ("steps", "bad_step")
        return {**{name: np.asarray(column, "<i4" if name in ints else "<f4").tobytes()
                   for name, column in self.columns().items()},
                "start": self.start, "count": self._count, "width": self.width,
                "smoothing": self.smoothing}
