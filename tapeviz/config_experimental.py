"""`tf.config.experimental`: the device calls older TF 2 programs make at their top (list the
GPUs, let their memory grow), answered for tapeviz's one CPU (`config.py`)."""
from __future__ import annotations

from .config import list_logical_devices, list_physical_devices
from .coverage import missing as _missing
from .errors import InvalidArgumentError

__all__ = ["list_logical_devices", "list_physical_devices", "set_memory_growth"]


def set_memory_growth(device, enable) -> None:
    """Refused, as TF refuses it for a CPU: memory growth is a GPU setting, and tapeviz has
    no GPU (so the usual loop over `list_physical_devices('GPU')` never calls this)."""
    raise InvalidArgumentError("set_memory_growth", f"memory growth is a GPU setting; got "
                                                    f"{device!r}, and tapeviz runs on the CPU",
                               hint="tf.config.list_physical_devices('GPU') is [] in tapeviz: "
                                    "loop over it, as TF programs do")


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing("config.experimental", __name__, name)


__all__ = ["list_logical_devices", "list_physical_devices", "set_memory_growth"]

from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
