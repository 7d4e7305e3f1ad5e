"""`tf.config`: the device and execution questions a TF program asks at its top.

tapeviz runs on the CPU, in numpy, and always eagerly: there is one CPU device, no GPU,
and `tf.function`s always run eagerly (`run_functions_eagerly(False)` changes nothing).
"""
from __future__ import annotations

from typing import NamedTuple

from .coverage import missing as _missing

__all__ = ["LogicalDevice", "PhysicalDevice", "experimental", "functions_run_eagerly",
           "list_logical_devices", "list_physical_devices", "run_functions_eagerly"]


class PhysicalDevice(NamedTuple):
    name: str
    device_type: str


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


def list_physical_devices(device_type=None) -> list:
    """[the CPU] for None or 'CPU'; [] for 'GPU' and anything else (tapeviz runs on numpy).

    >>> import tapeviz as tf
    >>> tf.config.list_physical_devices("GPU")
    []
    """
    wanted = None if device_type is None else str(device_type).upper()
    return [PhysicalDevice("/physical_device:CPU:0", "CPU")] if wanted in (None, "CPU") else []


def list_logical_devices(device_type=None) -> list:
    """[the CPU] for None or 'CPU'; [] for 'GPU' and anything else."""
    wanted = None if device_type is None else str(device_type).upper()
    return [LogicalDevice("/device:CPU:0", "CPU")] if wanted in (None, "CPU") else []


def run_functions_eagerly(run_eagerly) -> None:
    """Accepted for TF programs that call it; a tapeviz `tf.function` always runs eagerly."""


def functions_run_eagerly() -> bool:
    """True: a tapeviz `tf.function` always runs eagerly."""
    return True


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing("config", __name__, name)


from . import config_experimental as experimental  # noqa: E402 (it reads the devices above)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
