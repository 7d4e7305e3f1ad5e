"""The file `save_weights` writes and `load_weights` reads: Keras 3's names and format.

A name ending in `.weights.h5` is used as given, an HDF5 file in Keras 3's layout
(weights_h5.py), so Keras loads what tapeviz saved and the reverse; one with no such
suffix is TF 2's checkpoint prefix ('ckpt', 'training/cp.ckpt'), saved as prefix + '.npz'
(its directory made, as TF's checkpoint makes it),
a numpy archive of `get_weights()`; a name ending in `.h5`, `.keras` or `.npz` alone is
refused with Keras 3's words. A `.weights.h5` file tapeviz wrote before it wrote HDF5 (a
numpy archive) is still read.
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError, NotFoundError
from .saving import refuse_missing_directory
from .weights_h5 import read_h5, write_h5

KERAS_WEIGHTS = ".weights.h5"
REFUSED_SUFFIXES = (".h5", ".hdf5", ".keras", ".npz")   # Keras 2's HDF5 names, tapeviz's old
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"


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


def write_weights(filepath, model) -> None:
    path = weights_path("save_weights", filepath)
    if path.endswith(KERAS_WEIGHTS):
        refuse_missing_directory("save_weights", path)
        write_h5(path, model)
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)   # as TF's checkpoint makes it
    with open(path, "wb") as file:
        np.savez(file, *model.get_weights())


def read_weights(filepath, model) -> list:
    """The values for `model.weights` in the file: Keras 3's HDF5, or a numpy archive."""
    path = weights_path("load_weights", filepath)
    if not os.path.isfile(path):
        raise NotFoundError("load_weights", f"no file {path}" + (
            " (a directory)" if os.path.isdir(path) else ""),
            hint="save it first, model.save_weights(path), or check the path from the "
                 f"working directory {os.getcwd()}")
    with open(path, "rb") as file:
        start = file.read(len(_HDF5_SIGNATURE))
        if start == _HDF5_SIGNATURE:
            return read_h5(path, model)
        if not start.startswith(_ZIP_SIGNATURE):   # a numpy archive is a zip
            raise InvalidArgumentError("load_weights", f"{path} is not a weights file: it "
                                                       f"starts with {start!r}, neither HDF5's "
                                                       f"signature nor a numpy archive's",
                                       hint="load a file model.save_weights wrote")
        file.seek(0)
        with np.load(file) as archive:
            return [archive[f"arr_{i}"] for i in range(len(archive.files))]
