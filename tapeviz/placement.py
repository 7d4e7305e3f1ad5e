"""`tf.device`: the scope a TF program places its ops with. tapeviz runs every op on the CPU,
in numpy, so the scope places nothing; like TF's soft placement on a machine without the
device asked for ('GPU:0' with no GPU), the code inside runs there unchanged."""
from __future__ import annotations

import contextlib
import re

from .errors import DTypeValueError, InvalidArgumentError, bad_argument

# one part of a device name between slashes, as TF's DeviceSpec reads it: 'job:localhost',
# 'replica:0', 'task:0', 'device:GPU:0', or a device type with an optional index, 'CPU:0'
_PART = re.compile(r"(job:\w+|replica:\d+|task:\d+|device:\w+(:(\d+|\*))?|[A-Za-z_]+:(\d+|\*))")


def device(device_name) -> contextlib.AbstractContextManager:
    """A scope whose ops run where every tapeviz op runs: on the CPU. The name is checked
    here, at the user's line, as TF checks it.

    >>> import tapeviz as tf
    >>> with tf.device('GPU:0'):
    ...     print(tf.constant([1.0, 2.0]) * 2)
    tapeviz.Tensor([2. 4.], shape=(2,), dtype=float32)
    """
    if device_name is not None and not isinstance(device_name, str):
        raise bad_argument("device", "device_name", "a string device name ('CPU:0', "
                           "'/GPU:0') or None", device_name, DTypeValueError)
    for part in (device_name or "").split("/"):
        if part and not _PART.fullmatch(part):
            raise InvalidArgumentError("device", f"Unknown attribute {part!r} is encountered "
                                       f"while parsing the device spec: {device_name!r}.")
    return contextlib.nullcontext()
