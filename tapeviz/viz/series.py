"""Bounded histories for the live dashboard: a (step, value) series that never outgrows its cap.

The dashboard appends one point per training step for the loss and for each variable's
gradient norm; a loop may run for millions of steps, but the widget state must stay small
(it is serialised on every push). Past `max_points`, every other kept point is dropped and
only every `stride`-th new one is kept, so the history covers the whole run at a uniform,
coarser resolution; the newest point is always shown. Values are rounded to 5 significant
digits and non-finite ones become None (JSON has no NaN: the browser would reject it).
"""
from __future__ import annotations

import math


def json_number(value) -> float | None:
    """A float rounded to 5 significant digits, or None for NaN/Inf (JSON has neither).

    >>> json_number(0.123456789), json_number(float("nan")), json_number(3)
    (0.12346, None, 3.0)
    """
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.5g}")


class Series:
    """A (step, value) history capped at `max_points` by uniform decimation.

    >>> s = Series(max_points=4)
    >>> for step in range(10):
    ...     s.append(step, step * 0.5)
    >>> s.to_json()
    {'steps': [0, 4, 8, 9], 'values': [0.0, 2.0, 4.0, 4.5]}
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
        """Add a point (value may be NaN/Inf: stored as None)."""
        point = (step, json_number(value))
        self._last = point
        if self._count % self.stride == 0:
            self.steps.append(point[0])
            self.values.append(point[1])
            if len(self.steps) >= self.max_points:  # room for the newest one, shown apart
                del self.steps[1::2], self.values[1::2]
                self.stride *= 2
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def to_json(self) -> dict:
        """{"steps": [...], "values": [...]}: the kept points and the newest one."""
        steps, values = list(self.steps), list(self.values)
        if self._last is not None and (not steps or steps[-1] != self._last[0]):
            steps.append(self._last[0])
            values.append(self._last[1])
        return {"steps": steps, "values": values}
