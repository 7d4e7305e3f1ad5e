"""The iterator over a dataset: what `iter(dataset)` and TF1's `tfe.Iterator(dataset)` give.

One pass over the dataset's elements (tapeviz tensors); it raises StopIteration at the end,
so `for x, y in tfe.Iterator(dataset):` runs one epoch, as in the CS20 lecture.
"""
from __future__ import annotations


class Iterator:
    """A one-pass iterator over a `Dataset`'s elements.

    >>> import tapeviz as tf
    >>> import tapeviz.contrib.eager as tfe
    >>> it = tfe.Iterator(tf.data.Dataset.range(2))
    >>> int(next(it)), int(it.next())
    (0, 1)
    >>> next(it, "done")
    'done'
    """

    def __init__(self, dataset):
        from .dataset import Dataset
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Iterator: expected a tapeviz.data.Dataset; "
                            f"got {type(dataset).__name__}")
        self._dataset = dataset
        self._elements = dataset._start()

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self):
        return next(self._elements)

    def next(self):
        """The next element (TF1's spelling of `next(iterator)`)."""
        return next(self._elements)

    get_next = next

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __repr__(self) -> str:
        return f"<Iterator over {self._dataset!r}>"
