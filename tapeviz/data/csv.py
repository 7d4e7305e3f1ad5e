"""`tf.data.experimental.CsvDataset`: one element a CSV record, a tuple of scalar tensors,
one a column (or each of `select_cols`), typed by `record_defaults`: a dtype makes its
column required, a value is the default of an empty field; a `tf.string` or text default
makes a string column, each field a tf.string scalar (its bytes from `.numpy()`). Plain or
GZIP files, read afresh each iteration; a field that is missing or not a number of its type
is refused as TF refuses it, naming the field and the record."""
from __future__ import annotations

import csv
import gzip
import io
import os

import numpy as np

from .. import dtypes as _dtypes
from ..creation import convert_to_tensor
from ..errors import InvalidArgumentError
from ..tensor import wrap
from . import dataset as _d
from . import structure as _s

_PARSERS = {"float32": float, "float64": float, "int32": int, "int64": int,
            "string": str.encode}   # a text field as it stands (numbers: stripped first)


def _column(default):
    """(dtype, default or None) for one entry of record_defaults."""
    if isinstance(default, (str, bytes)):
        return _dtypes.string, default.encode() if isinstance(default, str) else default
    if isinstance(default, _dtypes.DType):
        return default, None
    value = convert_to_tensor(default)
    if value.shape not in ((), (0,)):
        raise InvalidArgumentError("CsvDataset", f"each record default must be a scalar or "
                                                 f"empty; got shape {tuple(value.shape)}")
    return value.dtype, (value._value.item() if value.shape == () else None)


def CsvDataset(filenames, record_defaults, compression_type=None, buffer_size=None,
               header=False, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, exclude_cols=None, name=None):
    """The records of the CSV files `filenames`, each a tuple of scalars.

    >>> import os, tempfile, tapeviz as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> _ = open(path, "w").write("1,2.5\\n3,\\n")
    >>> [tuple(v.numpy().item() for v in row)
    ...  for row in tf.data.experimental.CsvDataset(path, [tf.int32, 0.0])]
    [(1, 2.5), (3, 0.0)]
    """
    files = [os.fspath(f) for f in (filenames if isinstance(filenames, (list, tuple))
                                     else [filenames])]
    columns = [_column(d) for d in record_defaults]
    for dtype, _ in columns:
        if dtype.name not in _PARSERS:
            raise InvalidArgumentError("CsvDataset", f"record_defaults must be float32, "
                                                     f"float64, int32, int64 or string; got "
                                                     f"{dtype.name}")
    if select_cols is not None and len(select_cols) != len(columns):
        raise InvalidArgumentError("CsvDataset", f"Expect {len(select_cols)} fields but have "
                                                 f"{len(columns)} in record_defaults")
    opener = gzip.open if compression_type == "GZIP" else open

    def records():
        for path in files:
            with opener(path, "rb") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                rows = csv.reader(text, delimiter=field_delim,
                                  quoting=csv.QUOTE_MINIMAL if use_quote_delim
                                  else csv.QUOTE_NONE)
                for index, row in enumerate(rows):
                    if header and index == 0 or not row:
                        continue
                    yield index - (1 if header else 0), row

    def start():
        for number, row in records():
            fields = [row[i] if i < len(row) else "" for i in select_cols] \
                if select_cols is not None else row
            if select_cols is None and len(fields) != len(columns):
                raise InvalidArgumentError("CsvDataset", f"Expect {len(columns)} fields but "
                                                         f"have {len(fields)} in record "
                                                         f"{number}")
            yield tuple(_parsed(field, dtype, default, position, number, na_value)
                        for position, (field, (dtype, default)) in
                        enumerate(zip(fields, columns)))

    spec = tuple(_s.TensorSpec((), dtype) for dtype, _ in columns)
    return _d.Dataset(start, _d.UNKNOWN, spec, "Csv")


def _parsed(field: str, dtype, default, position: int, record: int, na_value: str):
    """One field as a scalar tensor of `dtype`; an empty one (or `na_value`) its default."""
    if field == "" or field == na_value:
        if default is None:
            raise InvalidArgumentError("CsvDataset", f"Field {position} is required but "
                                                     f"missing in record {record}!")
        value = default
    else:
        try:
            value = _PARSERS[dtype.name](field if dtype == _dtypes.string else field.strip())
        except ValueError:
            raise InvalidArgumentError("CsvDataset", f"Field {position} in record {record} is "
                                                     f"not a valid {dtype.name}: {field}"
                                       ) from None
    return wrap(np.array(value, dtype=dtype.as_numpy_dtype))
