"""The iterator over a dataset: what `iter(dataset)` and TF1's `tfe.Iterator(dataset)` give.

One pass over the dataset's elements (tapeviz tensors); it raises StopIteration at the end,
so `for x, y in tfe.Iterator(dataset):` runs one epoch, as in the CS20 lecture. An element
that raised ends the pass (a Python generator cannot go on): the next `next` says so, not
StopIteration, so a loop over the rest does not look like the end of the data.
"""
from __future__ import annotations

from ..errors import MisuseError, add_note


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
        self._read = 0          # elements given so far
        self._failure = None    # what ended the pass early, raised while making an element

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self):
        try:
            element = next(self._elements)
        except StopIteration:
            if self._failure is not None:   # a generator that raised is over: not the end
                raise self._ended_by_failure() from None
            raise
        except Exception as error:
            self._failure = error
            add_note(error, f"while making element {self._read + 1} of the pass, which it "
                            f"ended ({self._read} were read before it)")
            raise
        self._read += 1
        return element

    def next(self):
        """The next element (TF1's spelling of `next(iterator)`)."""
        return self.__next__()

    def _ended_by_failure(self) -> MisuseError:
        error = self._failure
        return MisuseError("Iterator", f"this iterator's pass ended at its element "
                                       f"{self._read + 1}, when making it raised "
                                       f"{type(error).__name__}: {str(error).splitlines()[0]}"
                                       f"; it has no elements left (tf.data would go on with "
                                       f"the next one)",
                           hint="start a new pass, iter(dataset): it makes every element "
                                "again, the one that raised too")

    get_next = next

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __repr__(self) -> str:
        return f"<Iterator over {self._dataset!r}>"
