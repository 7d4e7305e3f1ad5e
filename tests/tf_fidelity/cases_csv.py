"""tf.data.experimental.CsvDataset as overfit_and_underfit reads HIGGS (a GZIP file of float
columns, `[float()] * n` defaults, batched and packed by a map), and its rules: required
columns, defaults for empty fields, a header, select_cols, a field that is not a number.
Registered into `cases.CASES` (cases.py imports this module at its end).
"""
from __future__ import annotations

import numpy as np

from .cases import add_case

_ROWS = "1.0,0.5,-2.25,3\n0.0,1.5,,4\n1.0,-0.75,0.125,5\n"


def _written(text, gzipped=False, name="data.csv"):
    import gzip
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), name + (".gz" if gzipped else ""))
    with (gzip.open(path, "wt") if gzipped else open(path, "w")) as out:
        out.write(text)
    return path


def _rows(ds):
    """Each record's values as Python values (strings decoded)."""
    def plain(value):
        value = np.asarray(value).tolist()
        return value.decode() if isinstance(value, bytes) else value
    return [[plain(v) for v in row] for row in ds.as_numpy_iterator()]


def _higgs(tf):
    """The tutorial's pack_row over a GZIP CsvDataset of floats."""
    ds = tf.data.experimental.CsvDataset(_written(_ROWS.replace(",,", ",0.0,"), True),
                                         [float(), ] * 4, compression_type="GZIP")

    def pack_row(*row):
        label = row[0]
        features = tf.stack(row[1:], 1)
        return features, label
    packed = ds.batch(10000).map(pack_row).unbatch()
    return [repr(ds.element_spec), repr(packed.element_spec), _rows(packed)]


CASES = {
    "higgs_gzip_packed": _higgs,
    "defaults_and_required": lambda tf: _rows(tf.data.experimental.CsvDataset(
        _written(_ROWS), [tf.float32, tf.float32, -1.0, tf.int32])),
    "header_and_select_cols": lambda tf: _rows(tf.data.experimental.CsvDataset(
        _written("a,b,c,d\n" + _ROWS), [tf.float64, -1], header=True, select_cols=[1, 3])),
    "quoted_numbers": lambda tf: _rows(tf.data.experimental.CsvDataset(
        _written('"1.5",2\n"-3",4\n'), [0.0, tf.int64])),
    "spec": lambda tf: repr(tf.data.experimental.CsvDataset(
        _written(_ROWS), [tf.float32, 0.0, 0.0, 0]).element_spec),
    "missing_required": lambda tf: _rows(tf.data.experimental.CsvDataset(
        _written(_ROWS), [tf.float32] * 4)),
    "not_an_int": lambda tf: _rows(tf.data.experimental.CsvDataset(
        _written(_ROWS), [tf.int32, 0.0, 0.0, 0])),
}
for _label, _make in CASES.items():
    add_case(f"data.experimental.CsvDataset/tutorial_{_label}", _make, grad=False)


_PEOPLE = "name,age,city\nalice,31,Paris\nbob,,\n\"carol, jr\",7,Oslo\n"


def _texts(value):
    """A value as TF's printing shows it (bytes included), the engine's name made TF's."""
    return str(value).replace("tapeviz.Tensor", "tf.Tensor")


def _people(tf):
    return tf.data.experimental.CsvDataset(_written(_PEOPLE), [tf.string, 0, "unknown"],
                                           header=True)


STRING_CASES = {   # string columns: tf.string tensors, bytes from .numpy(), printed, batched
    "string_columns": lambda tf: [repr(_people(tf).element_spec),
                                  [[repr(v.numpy()) for v in row] for row in _people(tf)]],
    "string_printed": lambda tf: [_texts(v) for v in next(iter(_people(tf)))],
    "string_batched": lambda tf: [repr(batch.numpy()) for batch in
                                  next(iter(_people(tf).batch(2)))],
    "string_mapped": lambda tf: [[repr(v.numpy()) for v in element] for element in
                                 _people(tf).map(lambda name, age, city: (city, name, age * 2))
                                 .batch(3)],
    "string_mapped_spec": lambda tf: repr(_people(tf).map(
        lambda name, age, city: {"name": name, "age": age}).batch(2).element_spec),
    "string_default_dtype": lambda tf: [repr(v.dtype) for v in next(iter(
        tf.data.experimental.CsvDataset(_written("x,1\n"), [b"", tf.int64])))],
    "string_required_missing": lambda tf: [[repr(v.numpy()) for v in row] for row in
                                           tf.data.experimental.CsvDataset(
                                               _written("a,1\n,2\n"), [tf.string, 0])],
}
for _label, _make in STRING_CASES.items():
    add_case(f"data.experimental.CsvDataset/{_label}", _make, grad=False, op="CsvDataset")
