"""The guide's dataset shuffled after it is batched: `.batch(32).shuffle(8)` shuffles the
order of the batches, while each batch keeps the same 32 examples every epoch. TF says
nothing; tapeviz warns at the shuffle's line (marked here, looked up, never hard-coded).
Shuffled before batching, or a batch order shuffled on purpose with buffer_size=1 (which
keeps the order), there is no warning."""
import numpy as np
import pytest

import tapeviz as tf
from programs import marked_line


def examples():
    return tf.data.Dataset.from_tensor_slices((np.arange(64.0), np.arange(64) % 10))


def test_a_shuffle_after_batch_warns_at_its_line_that_the_batches_stay_the_same():
    with pytest.warns(UserWarning, match="Dataset.shuffle: its input is batched") as caught:
        dataset = examples().batch(32).shuffle(8)  # BUG: shuffled after batching
    [warning] = [w for w in caught if "Dataset.shuffle" in str(w.message)]
    assert f"{warning.filename.split('/')[-1]}:{warning.lineno}" == \
        marked_line(__file__, "# BUG: shuffled after batching")
    assert str(warning.message) == (
        "Dataset.shuffle: its input is batched, so it shuffles whole batches: each batch "
        "holds the same examples every epoch, only the batches' order changes; shuffle the "
        "examples before batching: dataset.shuffle(buffer_size).batch(batch_size)")
    first = [sorted(x.numpy().tolist()) for x, _ in dataset]
    second = [sorted(x.numpy().tolist()) for x, _ in dataset]
    assert sorted(first) == sorted(second)   # (what it warns of: the same two batches)


def test_a_shuffle_before_batch_gives_no_warning(recwarn):
    examples().shuffle(64).batch(32)
    examples().batch(32).shuffle(1)
    assert not [w for w in recwarn if "Dataset.shuffle" in str(w.message)]
