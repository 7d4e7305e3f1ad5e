"""Bounded histories for the live dashboard: a (step, value) series that never outgrows its cap.

The dashboard appends one point per training step for the loss and for each variable's
gradient norm; a loop may run for millions of steps, but the widget state must stay small
(it is sent on every push). Past `max_points`, every other kept point is dropped and only
every `stride`-th new one is kept, so the history covers the whole run at a uniform, coarser
resolution; the newest point is always shown. The browser gets each series as two binary
buffers (int32 steps, float32 values): ipywidgets sends bytes as they are, where a list of
numbers would be walked element by element and JSON-encoded on every push, and float32 keeps
NaN and Inf, which JSON cannot carry.
"""
from __future__ import annotations

import numpy as np


class Series:
    """A (step, value) history capped at `max_points` by uniform decimation.

    >>> s = Series(max_points=4)
    >>> for step in range(10):
    ...     s.append(step, step * 0.5)
    >>> s.points()
    ([0, 4, 8, 9], [0.0, 2.0, 4.0, 4.5])
    >>> np.frombuffer(s.to_bytes()["values"], "<f4").tolist()
    [0.0, 2.0, 4.0, 4.5]
    """

    __slots__ = ("max_points", "steps", "values", "stride", "_count", "_last")

    def __init__(self, max_points: int = 1000):
        if max_points < 2:
            raise ValueError(f"Series: max_points must be at least 2; got {max_points}")
        self.max_points = int(max_points)
        self.steps: list = []
        self.values: list = []
        self.stride = 1          # keep every stride-th appended point
        self._count = 0          # points appended so far
        self._last = None        # the newest point, kept or not

    def append(self, step: int, value) -> None:
        """Add a point (NaN and Inf are kept as they are)."""
        value = float(value)
        self._last = (step, value)
        if self._count % self.stride == 0:
            self.steps.append(step)
            self.values.append(value)
            if len(self.steps) >= self.max_points:  # room for the newest one, shown apart
                del self.steps[1::2], self.values[1::2]
                self.stride *= 2
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def points(self) -> tuple:
        """(steps, values) as lists: the kept points and the newest one."""
        steps, values = list(self.steps), list(self.values)
        if self._last is not None and (not steps or steps[-1] != self._last[0]):
            steps.append(self._last[0])
            values.append(self._last[1])
        return steps, values

    def to_bytes(self) -> dict:
        """{"steps": int32 bytes, "values": float32 bytes}, little-endian, for the browser."""
        steps, values = self.points()
        return {"steps": np.asarray(steps, "<i4").tobytes(),
                "values": np.asarray(values, "<f4").tobytes()}
