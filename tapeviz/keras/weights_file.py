"""The file `save_weights` writes and `load_weights` reads: Keras 3's names, tapeviz's format.

A name ending in `.weights.h5` is used as given; one with no such suffix is TF 2's
checkpoint prefix ('ckpt', 'training/cp.ckpt'), saved as prefix + '.npz'; a name ending
in `.h5`, `.keras` or `.npz` alone is refused with Keras 3's words. The file is a numpy
archive of `get_weights()` (tapeviz needs numpy only; writing HDF5 would add h5py, and
Keras's layout of groups would still be Keras's), so a Keras-made HDF5 file is refused
when read, saying so.
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError

KERAS_WEIGHTS = ".weights.h5"
REFUSED_SUFFIXES = (".h5", ".hdf5", ".keras", ".npz")   # Keras 2's HDF5 names, tapeviz's old
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def weights_path(op: str, filepath) -> str:
    """The file `op` ('save_weights', 'load_weights') uses for `filepath`, or Keras 3's error."""
    path = os.fspath(filepath)
    if path.endswith(KERAS_WEIGHTS):
        return path
    if path.endswith(REFUSED_SUFFIXES):
        raise InvalidArgumentError(op, f"The filename must end in `{KERAS_WEIGHTS}`. "
                                       f"Received: filepath={path}",
                                   hint=f"name it {os.path.splitext(path)[0]}{KERAS_WEIGHTS}")
    return path + ".npz"


def write_weights(filepath, weights: list) -> None:
    with open(weights_path("save_weights", filepath), "wb") as file:
        np.savez(file, *weights)


def read_weights(filepath) -> list:
    path = weights_path("load_weights", filepath)
    with open(path, "rb") as file:
        if file.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
            raise InvalidArgumentError(
                "load_weights", f"{path} is an HDF5 file, written by Keras; tapeviz reads the "
                                f"weights its own save_weights wrote (a numpy archive)",
                hint="in Keras: np.savez(path, *model.get_weights()); here: "
                     "model.set_weights(list(np.load(path).values()))")
        file.seek(0)
        with np.load(file) as archive:
            return [archive[f"arr_{i}"] for i in range(len(archive.files))]
