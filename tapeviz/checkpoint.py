"""`tf.train.Checkpoint`, `CheckpointManager`, `latest_checkpoint`, `list_variables` and
`load_variable`: a training loop's variables (a model's, an optimizer's step count and
slots, loose Variables) saved, read and put back, as TF 2's object-based checkpoints are used.

A checkpoint is one numpy `.npz` archive beside the path TF would name (`ckpt-3` is saved as
`ckpt-3.npz`; a tapeviz format, not TF's), keyed by the names the objects were given
(`model/0`, `optimizer/iterations`, `optimizer/slot/model/0/m`), and the directory's
`checkpoint` file says which is the latest, in TF's text form. Values go back into the
variables that exist when `restore` runs (TF also restores into ones made later; here a model
is built first).
"""
from __future__ import annotations

import os
import re

import numpy as np

from .errors import InvalidArgumentError, describe
from .variable import Variable

_STATE_FILE = "checkpoint"
_TF_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"   # what TF's names of a variable's value end with


def _is_optimizer(value) -> bool:
    return hasattr(value, "add_slot") and hasattr(value, "iterations")


def _own_variables(name: str, value) -> list:
    """(key, variable) for a tracked object that is not an optimizer."""
    if isinstance(value, Variable):
        return [(name, value)]
    held = getattr(value, "weights", None)
    if held is None:
        held = getattr(value, "variables", None)
    if held is None:
        raise InvalidArgumentError("Checkpoint", f"{name}= must be a Variable, a model or layer, "
                                                 f"a tf.Module or an optimizer; got "
                                                 f"{describe(value)}")
    return [(f"{name}/{index}", variable) for index, variable in enumerate(held)]


class _Restored:
    """What `restore` returns: TF's status object, whose checks say what was not matched."""

    def __init__(self, unused: list, unmatched: list):
        self._unused, self._unmatched = unused, unmatched

    def assert_consumed(self):
        if self._unused or self._unmatched:
            raise AssertionError(f"Unresolved checkpoint values: saved but not restored "
                                 f"{self._unused}; variables left as they were "
                                 f"{self._unmatched}")
        return self

    def assert_existing_objects_matched(self):
        if self._unmatched:
            raise AssertionError(f"Variables with no value in the checkpoint: "
                                 f"{self._unmatched}")
        return self

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None) -> None:
        """Nothing to run: eager values are already in place."""


class Checkpoint:
    """Save and restore the variables of the objects given by name.

    >>> import os, tempfile, tapeviz as tf
    >>> step = tf.Variable(3)
    >>> ckpt = tf.train.Checkpoint(step=step)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> _ = step.assign(10); _ = ckpt.restore(path)
    >>> int(step.numpy()), os.path.basename(path)
    (3, 'ckpt-1')
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_tracked", {})
        object.__setattr__(self, "save_counter",
                           Variable(np.int64(0), trainable=False, name="save_counter"))
        if root is not None:
            kwargs["root"] = root
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if not name.startswith("_"):
            if not _is_optimizer(value):
                _own_variables(name, value)   # refuses, at the user's line, what holds none
            self._tracked[name] = value
        object.__setattr__(self, name, value)

    def _variables(self) -> dict:
        """Every variable the checkpoint holds, by key; optimizer slots keyed by the key of
        the variable they belong to."""
        found, optimizers = {}, []
        for name in sorted(self._tracked):
            value = self._tracked[name]
            if _is_optimizer(value):
                optimizers.append((name, value))
            else:
                found.update(_own_variables(name, value))
        found["save_counter"] = self.save_counter
        for name, optimizer in optimizers:
            found[f"{name}/iterations"] = optimizer.iterations
            for key, variable in list(found.items()):
                for slot_name in getattr(optimizer, "_slot_names", ()):
                    try:
                        found[f"{name}/slot/{key}/{slot_name}"] = optimizer.get_slot(variable,
                                                                                     slot_name)
                    except KeyError:   # a variable the optimizer has not updated yet
                        pass
        return found

    def write(self, file_prefix) -> str:
        """Save every variable's value to `file_prefix` (with .npz added), making its directory
        as TF does; returns the prefix."""
        path = os.fspath(file_prefix)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path + ".npz", "wb") as file:
            np.savez(file, **{key: np.asarray(v.numpy()) for key, v in self._variables().items()})
        return path

    def save(self, file_prefix) -> str:
        """Write to `file_prefix-N` (N counting this checkpoint's saves) and make it the
        directory's latest checkpoint; returns that path."""
        self.save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        _write_state(os.path.dirname(path) or ".", path, [path])
        return path

    def read(self, save_path):
        return self.restore(save_path)

    def restore(self, save_path):
        """Put the values saved at `save_path` back into the variables; None restores nothing
        (a first run, where `latest_checkpoint` found none)."""
        if save_path is None:
            return _Restored([], [])
        path = os.fspath(save_path)
        if not os.path.exists(path + ".npz"):
            raise InvalidArgumentError("Checkpoint.restore", f"no checkpoint at {path!r} (looked "
                                                             f"for {path + '.npz'})",
                                       hint="pass what save() returned, or "
                                            "tf.train.latest_checkpoint(directory)")
        with np.load(path + ".npz") as archive:
            saved = {key: archive[key] for key in archive.files}
        self._make_slots(saved)
        current = self._variables()
        missing = sorted(key for key in saved if key not in current)
        # values of objects this checkpoint was not given stay unused, as in TF (a model
        # restored for inference without its optimizer); assert_consumed names them
        unplaced = [key for key in missing
                    if "/slot/" not in key and key.split("/")[0] in self._tracked]
        if unplaced:
            raise self._unplaced_error(unplaced, current)
        restorable = {key: value for key, value in saved.items() if key in current}
        for key, value in restorable.items():   # every shape checked before any value goes in
            _check_shape(current[key], value, key)
        for key, value in restorable.items():
            current[key].assign(value.astype(current[key]._value.dtype))
        return _Restored(missing, sorted(key for key in current if key not in saved))

    def _unplaced_error(self, unplaced: list, current: dict) -> InvalidArgumentError:
        """Saved values with no variable to go into: the model not built yet (TF would restore
        them when it is), or built but not the model that was saved."""
        owner = unplaced[0].split("/")[0]
        held = sum(1 for key in current if key.split("/")[0] == owner)
        if not held:
            return InvalidArgumentError(
                "Checkpoint.restore", f"the checkpoint holds {unplaced[:4]}, which the objects "
                                      f"given have no variable for now",
                hint="build the model before restoring (call it on a batch, or "
                     "model.build(input_shape)); tapeviz restores into existing variables")
        return InvalidArgumentError(
            "Checkpoint.restore", f"{owner}= has {held} variable(s), but the checkpoint holds "
                                  f"values for more: {unplaced[:4]} have no variable; no "
                                  f"variable was changed",
            hint=f"restore into a {owner} built as the saved one was (the same layers and "
                 f"sizes)")

    def _make_slots(self, saved: dict) -> None:
        """An optimizer's saved slots, made for their variables before the values go back (TF
        makes them as it restores)."""
        owned = {}
        for name in sorted(self._tracked):
            if not _is_optimizer(self._tracked[name]):
                owned.update(_own_variables(name, self._tracked[name]))
        for key in saved:
            match = re.fullmatch(r"(.+?)/slot/(.+)/([^/]+)", key)
            if match and match.group(1) in self._tracked and match.group(2) in owned:
                self._tracked[match.group(1)].add_slot(owned[match.group(2)], match.group(3))


def _check_shape(variable, value, key: str) -> None:
    if tuple(variable.shape) != value.shape:
        raise InvalidArgumentError("Checkpoint.restore", f"{key}: the checkpoint's value has "
                                                         f"shape {value.shape}, the variable "
                                                         f"{variable.name} {tuple(variable.shape)}"
                                                         f"; no variable was changed")


def _write_state(directory: str, latest: str, kept: list) -> None:
    """The directory's `checkpoint` file, in TF's text form (paths relative to it)."""
    def relative(path):
        return os.path.relpath(path, directory)
    lines = [f'model_checkpoint_path: "{relative(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{relative(path)}"' for path in kept]
    with open(os.path.join(directory, _STATE_FILE), "w") as file:
        file.write("\n".join(lines) + "\n")


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """The path of the newest checkpoint saved in `checkpoint_dir`, or None when there is none.

    >>> import tempfile, tapeviz as tf
    >>> tf.train.latest_checkpoint(tempfile.mkdtemp()) is None
    True
    """
    found = _state_paths(os.fspath(checkpoint_dir), "model_checkpoint_path",
                         latest_filename or _STATE_FILE)
    return found[-1] if found else None


def _state_paths(directory: str, field: str, state_file: str = _STATE_FILE) -> list:
    """The checkpoints the directory's state file lists under `field`, those still on disk."""
    state = os.path.join(directory, state_file)
    if not os.path.exists(state):
        return []
    with open(state) as file:
        found = re.findall(rf'^{field}: "(.*)"$', file.read(), re.MULTILINE)
    paths = [os.path.join(directory, relative) for relative in found]
    return [path for path in paths if os.path.exists(path + ".npz")]


def list_variables(ckpt_dir_or_file) -> list:
    """(name, shape) of each value a checkpoint holds, by name: a tapeviz checkpoint's keys
    as TF spells a variable's (`w/.ATTRIBUTES/VARIABLE_VALUE` for `Checkpoint(w=...)`; a
    model's variables by their order, `model/0/...`; no `_CHECKPOINTABLE_OBJECT_GRAPH`).

    >>> import os, tempfile, tapeviz as tf
    >>> path = tf.train.Checkpoint(w=tf.Variable([1.0, 2.0])).save(
    ...     os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> tf.train.list_variables(path)[-1]
    ('w/.ATTRIBUTES/VARIABLE_VALUE', [2])
    """
    with np.load(_archive("list_variables", ckpt_dir_or_file)) as archive:
        return sorted((key + _TF_SUFFIX, list(archive[key].shape)) for key in archive.files)


def load_variable(ckpt_dir_or_file, name):
    """The value a checkpoint holds under `name` (as `list_variables` names it), a numpy
    array (a numpy scalar for a scalar), as TF returns it."""
    key = name[:-2] if name.endswith(":0") else name
    key = key[:-len(_TF_SUFFIX)] if key.endswith(_TF_SUFFIX) else key
    with np.load(_archive("load_variable", ckpt_dir_or_file)) as archive:
        if key not in archive.files:
            names = ", ".join(sorted(k + _TF_SUFFIX for k in archive.files))
            raise InvalidArgumentError("load_variable", f"Key {name} not found in checkpoint",
                                       hint=f"it holds {names}")
        value = archive[key]
    return value[()] if value.ndim == 0 else value


def _archive(op: str, ckpt_dir_or_file) -> str:
    """The .npz file of a checkpoint path, or of a directory's latest checkpoint."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        path = latest_checkpoint(path) or os.path.join(path, "")
    if not os.path.exists(path + ".npz"):
        raise InvalidArgumentError(op, f"no checkpoint at {path!r} (looked for "
                                       f"{path + '.npz'})",
                                   hint="pass what Checkpoint.save() returned, or its directory")
    return path + ".npz"


class CheckpointManager:
    """Numbered checkpoints in one directory, keeping the newest `max_to_keep`.

    >>> import tempfile, tapeviz as tf
    >>> manager = tf.train.CheckpointManager(tf.train.Checkpoint(w=tf.Variable(1.0)),
    ...                                      tempfile.mkdtemp(), max_to_keep=2)
    >>> paths = [manager.save() for _ in range(3)]
    >>> [p.rsplit("-", 1)[1] for p in manager.checkpoints], manager.latest_checkpoint == paths[-1]
    (['2', '3'], True)
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", **kwargs):
        if not isinstance(checkpoint, Checkpoint):
            raise InvalidArgumentError("CheckpointManager", f"checkpoint must be a "
                                                            f"tf.train.Checkpoint; got "
                                                            f"{describe(checkpoint)}")
        self._checkpoint, self.directory = checkpoint, os.fspath(directory)
        self._max_to_keep, self._name = max_to_keep, checkpoint_name
        os.makedirs(self.directory, exist_ok=True)
        # a run started again manages the checkpoints the last one kept, as TF's does
        self._kept = _state_paths(self.directory, "all_model_checkpoint_paths")

    @property
    def checkpoints(self) -> list:
        return list(self._kept)

    @property
    def latest_checkpoint(self) -> str | None:
        return self._kept[-1] if self._kept else None

    def save(self, checkpoint_number=None) -> str:
        """Save as `<directory>/ckpt-N`, drop the oldest beyond `max_to_keep`; returns the path."""
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = int(counter.numpy()) if checkpoint_number is None else int(checkpoint_number)
        path = self._checkpoint.write(os.path.join(self.directory, f"{self._name}-{number}"))
        self._kept = [p for p in self._kept if p != path] + [path]
        if self._max_to_keep is not None:
            while len(self._kept) > self._max_to_keep:
                os.remove(self._kept.pop(0) + ".npz")
        _write_state(self.directory, path, self._kept)
        return path
