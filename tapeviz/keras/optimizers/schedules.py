"""`tf.keras.optimizers.schedules`: learning rates as functions of the step count.

An optimizer given a schedule calls it with its `iterations` before each update; a plot
calls it on an array of steps (`schedule(np.linspace(0, 100000, 5))`), which TF evaluates
elementwise into a tensor of the steps' shape. Each computes in its initial rate's dtype
as convert_to_tensor gives it (a Python float float32, np.float64 float64); an int rate
makes TF cast the other numbers and the step to int too, which tapeviz repeats.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ... import arguments
from ...creation import constant, convert_to_tensor
from ...errors import DTypeError, InvalidArgumentError, bad_argument, kernel_words
from ...tensor import Tensor


class _OneStep:
    """The math of a schedule on one step, a Python float: the optimizer's call each update
    stays as cheap as plain float arithmetic; `rate` makes TF's scalar tensor of it."""
    floor, ceil, cos, log, minimum, trunc = math.floor, math.ceil, math.cos, math.log, min, \
        math.trunc

    @staticmethod
    def where(condition, then, otherwise):
        return then if condition else otherwise

    @staticmethod
    def rate(value, dtype: str = "float32") -> Tensor:
        return constant(value) if dtype == "float32" else constant(np.array(value, dtype))


class _EachStep:
    """The same math elementwise, on an array of steps; `rate` makes TF's tensor of the
    steps' shape."""
    floor, ceil, cos, log, minimum, where, trunc = np.floor, np.ceil, np.cos, np.log, \
        np.minimum, np.where, np.trunc

    @staticmethod
    def rate(values, dtype: str = "float32") -> Tensor:
        return constant(np.asarray(values, dtype=dtype))


_NUMBERS = (int, float, np.generic)


def _steps(schedule: str, step, dtype: str = "float32"):
    """(the step as a Python float, _OneStep), or (the steps as float64, _EachStep) for an
    array, list or tensor of more than a number: each as TF converts it (a Python float or
    list float32, an array or tensor its own dtype) and casts it to `dtype`, the schedule's."""
    value = step._value if isinstance(step, Tensor) else step
    if isinstance(value, _NUMBERS):   # the optimizer's `iterations` holds an np.int64
        if type(value) is float or dtype == "float32" and isinstance(value, np.floating):
            return float(np.float32(value)), _OneStep
        return float(value), _OneStep
    try:
        array = value if isinstance(value, np.ndarray) else np.asarray(value, np.float32)
        if array.dtype.kind not in "biuf":
            raise TypeError(array.dtype)
    except (TypeError, ValueError):
        raise bad_argument(schedule, "step", "a number, or an array or tensor of numbers",
                           step) from None
    if dtype == "float32":
        array = array.astype(np.float32)
    if array.ndim == 0:
        return float(array), _OneStep
    return array.astype(np.float64), _EachStep


class _Computed:
    """How TF computes a schedule: in its initial rate's dtype (`dtype`); an integer one
    (`ints`) truncates the step and each number `number` is given, as its casts
    do; a float64 one casts a Python float from float32, as `ops.cast(0.96, "float64")`
    does. `number` is the builtin float for float32, the optimizer's per-update path."""

    def __init__(self, schedule: str, initial_learning_rate):
        arguments.number(schedule, "initial_learning_rate", initial_learning_rate)   # not None
        dtype = convert_to_tensor(initial_learning_rate).dtype
        self.dtype, self.ints = dtype.name, dtype.is_integer
        self.pi = 3.0 if self.ints else math.pi   # Keras makes pi in the rate's dtype
        self.number = _truncated if self.ints else _from_float32 if self.dtype == "float64" \
            else float

def _truncated(value) -> float:
    return float(math.trunc(value))


def _from_float32(value) -> float:
    return float(np.float32(value)) if type(value) is float else float(value)


def _geometric_period(done: float, inside: float, t_mul: float, each):
    """(which period holds `done` first periods, how far into it) when each period is t_mul
    times the one before; `inside` is 1 - done * (1 - t_mul)."""
    restarts = each.floor(each.log(inside) / math.log(t_mul))
    before = (1.0 - t_mul ** restarts) / (1.0 - t_mul)
    return restarts, (done - before) / t_mul ** restarts


def _check_decay_steps(schedule: str, decay_steps) -> None:
    if isinstance(decay_steps, bool) or not isinstance(decay_steps, numbers.Real) \
            or not decay_steps > 0:
        raise bad_argument(schedule, "decay_steps", "a positive number of steps", decay_steps)


class LearningRateSchedule:
    """Base class: `schedule(step)` returns the learning rate for that step (a scalar tensor,
    float32 for a Python float rate; the built-in schedules give one per step for an array
    or tensor of steps)."""

    def __call__(self, step):
        raise NotImplementedError("LearningRateSchedule subclasses implement __call__(step)")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """lr * decay_rate ** (step / decay_steps), the exponent floored when staircase.

    >>> import tapeviz as tf
    >>> schedule = tf.keras.optimizers.schedules.ExponentialDecay(1.0, 10, 0.5)
    >>> float(schedule(20))
    0.25
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_decay_steps("ExponentialDecay", decay_steps)
        self.initial_learning_rate, self._computed = initial_learning_rate, \
            _Computed("ExponentialDecay", initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = arguments.number("ExponentialDecay", "decay_rate", decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        step, each = _steps("ExponentialDecay", step, self._computed.dtype)
        computed = self._computed
        if computed.ints:
            step = each.trunc(step)
        exponent = step / computed.number(self.decay_steps)
        if self.staircase:
            exponent = each.floor(exponent)
        # an int rate's step / decay_steps is a float64 division, so float64 throughout
        return each.rate(float(self.initial_learning_rate)
                         * computed.number(self.decay_rate) ** exponent,
                         "float64" if computed.ints else computed.dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """lr / (1 + decay_rate * step / decay_steps), the ratio floored when staircase."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_decay_steps("InverseTimeDecay", decay_steps)   # (0 divided by zero at a step)
        self.initial_learning_rate, self._computed = initial_learning_rate, \
            _Computed("InverseTimeDecay", initial_learning_rate)
        self.decay_steps = decay_steps
        self.decay_rate = arguments.number("InverseTimeDecay", "decay_rate", decay_rate)
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        step, each = _steps("InverseTimeDecay", step, self._computed.dtype)
        computed = self._computed
        if computed.ints:
            step = each.trunc(step)
        ratio = step / computed.number(self.decay_steps)
        if self.staircase:
            ratio = each.floor(ratio)
        return each.rate(float(self.initial_learning_rate)
                         / (1.0 + computed.number(self.decay_rate) * ratio),
                         "float64" if computed.ints else computed.dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i] (and past the last boundary, values[-1]), in the
    first value's dtype.

    >>> import tapeviz as tf
    >>> schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10], [1.0, 0.5])
    >>> float(schedule(10)), float(schedule(11))
    (1.0, 0.5)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise InvalidArgumentError("PiecewiseConstantDecay", f"values must have one more "
                                       f"entry than boundaries; got {len(values)} values, "
                                       f"{len(boundaries)} boundaries",
                                       hint="values[i] is the rate up to boundaries[i]; the "
                                            "last value, after the last boundary")
        rates = [convert_to_tensor(value)._value for value in values]
        for index, rate in enumerate(rates):
            if rate.dtype != rates[0].dtype:   # TF's sum of value * (step in range) refuses
                first, got = rates[0].dtype.name, rate.dtype.name
                raise InvalidArgumentError(
                    "PiecewiseConstantDecay", f"every value must have the first one's dtype "
                    f"({first}); got values[{index}]={values[index]!r}, {got}: "
                    f"{kernel_words('multiply', 1, first, got)}",
                    hint=f"write every value as a float: {[float(v) for v in values]}")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name
        self._rates = rates

    def __call__(self, step):
        step, each = _steps("PiecewiseConstantDecay", step)
        if each is _OneStep:
            for boundary, rate in zip(self.boundaries, self._rates):
                if step <= boundary:
                    return constant(rate)
            return constant(self._rates[-1])
        rate = np.full(step.shape, self._rates[-1])
        for boundary, value in zip(reversed(self.boundaries), reversed(self._rates[:-1])):
            rate = np.where(step <= boundary, value, rate)
        return constant(rate)

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From initial_learning_rate to end_learning_rate over decay_steps, as
    (1 - step / decay_steps) ** power; with cycle, decay_steps grows to the next multiple
    past step, else the rate stays at its end.

    >>> import tapeviz as tf
    >>> float(tf.keras.optimizers.schedules.PolynomialDecay(1.0, 10, 0.0)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_decay_steps("PolynomialDecay", decay_steps)
        self.initial_learning_rate, self._computed = initial_learning_rate, \
            _Computed("PolynomialDecay", initial_learning_rate)
        self.decay_steps, self.cycle, self.name = decay_steps, cycle, name
        self.end_learning_rate = arguments.number("PolynomialDecay", "end_learning_rate",
                                                  end_learning_rate)
        self.power = arguments.number("PolynomialDecay", "power", power)

    def __call__(self, step):
        step, each = _steps("PolynomialDecay", step, self._computed.dtype)
        computed = self._computed
        if computed.ints:
            step = each.trunc(step)
        steps = computed.number(self.decay_steps)
        if self.cycle:
            steps = steps * each.where(step == 0, 1.0, each.ceil(step / self.decay_steps))
        else:
            step = each.minimum(step, steps)
        end = computed.number(self.end_learning_rate)
        left = (1.0 - step / steps) ** computed.number(self.power)
        # an int rate: Keras's divide gives float32, its cycle's multiplier float64
        dtype = computed.dtype if not computed.ints else "float64" if self.cycle else "float32"
        return each.rate((float(self.initial_learning_rate) - end) * left + end, dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to alpha times it over decay_steps, after a linear
    warmup to warmup_target over warmup_steps when a target is given.

    >>> import tapeviz as tf
    >>> float(tf.keras.optimizers.schedules.CosineDecay(1.0, 10)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_decay_steps("CosineDecay", decay_steps)
        self.initial_learning_rate, self._computed = initial_learning_rate, \
            _Computed("CosineDecay", initial_learning_rate)
        self.decay_steps, self.name = decay_steps, name
        self.alpha = arguments.number("CosineDecay", "alpha", alpha)
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decayed(self, step, start: float, each):
        computed = self._computed
        if computed.ints:
            return self._decayed_float32(step, start)
        cosine = 0.5 * (1.0 + each.cos(computed.pi * step / computed.number(self.decay_steps)))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def _decayed_float32(self, step, start):
        """An int rate's decay as Keras computes it: int step / int decay_steps is float32,
        and every op after it float32 too, rounded op by op (pi is 3 in the rate's int32)."""
        one, alpha = np.float32(1.0), np.float32(self.alpha)
        fraction = np.float32(step) / np.float32(self._computed.number(self.decay_steps))
        cosine = np.float32(0.5) * (one + np.cos(np.float32(3.0) * fraction))
        return np.float32(start) * (np.float32(1.0 - self.alpha) * cosine + alpha)

    def __call__(self, step):
        step, each = _steps("CosineDecay", step, self._computed.dtype)
        computed = self._computed
        if computed.ints:
            step = each.trunc(step)
        if self.warmup_target is None:
            return each.rate(self._decayed(each.minimum(step, computed.number(self.decay_steps)),
                                           float(self.initial_learning_rate), each),
                             "float32" if computed.ints else computed.dtype)
        if each is _EachStep and step.size > 1:
            raise InvalidArgumentError(
                "CosineDecay", f"with warmup_target, the step must be one number (TF picks "
                f"warmup or decay by a tf.cond on it); got steps of shape {step.shape}",
                hint="call the schedule once a step: [float(schedule(s)) for s in steps]")
        if computed.ints:
            raise InvalidArgumentError(
                "CosineDecay", f"with warmup_target, initial_learning_rate must be a float; got "
                f"{self.initial_learning_rate!r}, {computed.dtype}, which TF's warmup multiplies "
                f"by a float64 ratio: {kernel_words('multiply', 1, computed.dtype, 'float64')}",
                hint=f"initial_learning_rate={float(self.initial_learning_rate)!r}")
        step = each.minimum(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:   # one step, in an array of one element or not
            rise = computed.number(self.warmup_target) - float(self.initial_learning_rate)
            return each.rate(float(self.initial_learning_rate) + rise * step / self.warmup_steps,
                             computed.dtype)
        return each.rate(self._decayed(step - self.warmup_steps,
                                       computed.number(self.warmup_target), each),
                         computed.dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay restarted each period (SGDR): the first lasts first_decay_steps, each next
    t_mul times longer and starting from m_mul times the rate. A step before the periods'
    start (below -first_decay_steps / (t_mul - 1)) has no period: NaN, as in TF.

    >>> import tapeviz as tf
    >>> [float(tf.keras.optimizers.schedules.CosineDecayRestarts(1.0, 10)(s)) for s in (5, 10)]
    [0.5, 1.0]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_decay_steps("CosineDecayRestarts", first_decay_steps)
        self.initial_learning_rate, self._computed = initial_learning_rate, \
            _Computed("CosineDecayRestarts", initial_learning_rate)
        self.first_decay_steps, self.name = first_decay_steps, name
        self.alpha, self.t_mul, self.m_mul = (arguments.number("CosineDecayRestarts", key, value)
                                              for key, value in (("alpha", alpha),
                                                                 ("t_mul", t_mul),
                                                                 ("m_mul", m_mul)))

    def __call__(self, step):
        step, each = _steps("CosineDecayRestarts", step, self._computed.dtype)
        computed = self._computed
        if computed.ints:
            step = each.trunc(step)
        done = step / computed.number(self.first_decay_steps)   # in first periods
        dtype = "float64" if computed.ints else computed.dtype   # an int's division: float64
        t_mul = computed.number(self.t_mul)
        if t_mul == 1.0:
            restarts = each.floor(done)
            done = done - restarts
        elif computed.ints:
            raise DTypeError(
                "CosineDecayRestarts", f"initial_learning_rate must be a float; got "
                f"{self.initial_learning_rate!r}, {computed.dtype}, to which TF casts t_mul="
                f"{self.t_mul:g}, and its restarts' 1.0 - t_mul fails: Cannot convert 1.0 to "
                f"EagerTensor of dtype {computed.dtype}",
                hint=f"initial_learning_rate={float(self.initial_learning_rate)!r}")
        else:   # periods grow geometrically: which one holds `done`, and how far into it
            inside = 1.0 - done * (1.0 - t_mul)
            if each is _OneStep:
                if not inside > 0:   # before the periods start: TF's NaN
                    return each.rate(math.nan, dtype)
                restarts, done = _geometric_period(done, inside, t_mul, each)
            else:   # numpy's log of 0 or less: -inf or NaN, as TF's, said by no warning
                with np.errstate(invalid="ignore", divide="ignore"):
                    restarts, done = _geometric_period(done, inside, t_mul, each)
        cosine = 0.5 * computed.number(self.m_mul) ** restarts * (
            1.0 + each.cos(computed.pi * done))
        return each.rate(float(self.initial_learning_rate) * (
            (1.0 - computed.number(self.alpha)) * cosine + computed.number(self.alpha)), dtype)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay"]


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
