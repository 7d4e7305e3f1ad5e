"""Pixels scaled by integer division, `images // 255` for `images / 255`, in the TF2 guide's
MNIST CNN on the bundled 8x8 digits: every pixel below 255 becomes 0, only the brightest 1.
Nothing fails and the model learns from what is left, slowly. `diagnose(recorder)` names
the first layer's op and the line that divided; images binarised on purpose (not written
with `// 255`) and the guide's `/ 255` say nothing.
"""
import functools
import sys

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from programs import guide_cnn, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def integer_findings(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "integer_division"]


def train(images, labels) -> Recorder:
    """The guide's train_step as written, over 6 batches of 32."""
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
    with Recorder() as rec:
        for x, y in dataset.take(6):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_pixels_divided_with_integer_division_are_named_at_the_dividing_line():
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    images = images[..., None] // 255  # BUG: integer division
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int64))).batch(32)
    with Recorder() as rec:
        for x, y in dataset.take(6):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))  # MODEL CALL
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = integer_findings(rec)   # was: no finding
    zeros = float(np.mean(rec.last_step.find(op="conv2d")[0].inputs[0] == 0))
    assert finding.message.startswith(
        f"conv2d in layer {model.name}/{model.layers[0].name}, the first layer, reads images "
        f"of 0 and 1 alone ({zeros:.0%} zeros, a 32x8x8x1 batch), and "
        f"tests/{here('# BUG: integer')}: images = images[..., None] // 255")
    assert "divides by 255 with //, an integer division: every pixel below 255 became 0" \
        in finding.message
    assert finding.message.endswith("fix: divide with / (images / 255; for bytes, "
                                    "tf.cast(images, tf.float32) / 255.0)")
    assert finding.source.lineno == int(here("# BUG: integer").split(":")[1])
    assert finding.related.lineno == int(here("# MODEL CALL").split(":")[1])


def test_images_binarised_on_purpose_are_no_finding():
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    binary = (images[..., None] > 127).astype(np.uint8)   # 0 and 1, meant so
    assert diagnose(train(binary, labels.astype(np.int64))) == []


def test_the_guides_true_division_is_no_finding():
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    assert integer_findings(train(images[..., None] / 255, labels.astype(np.int64))) == []


# ---- the division in a helper: another file, another notebook cell -------------------------
HELPER = '''import numpy as np
from tapeviz.datasets import load_digits


def load_pixels():
    (images, labels), _ = load_digits()
    images = images[..., None] // 255
    return images, labels.astype(np.int64)
'''


def test_a_helper_in_another_file_that_divides_with_integer_division_is_named(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "digit_pixels.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "digit_pixels", raising=False)
    from digit_pixels import load_pixels
    tf.random.set_seed(0)
    images, labels = load_pixels()  # HELPER CALL
    [finding] = integer_findings(train(images, labels))   # was: none (in another file)
    assert finding.source.filename == str(tmp_path / "digit_pixels.py")
    assert finding.source.lineno == 7
    assert (f"digit_pixels.py:7: images = images[..., None] // 255 (in load_pixels, run from "
            f"tests/{here('# HELPER CALL')}) divides by 255 with //, an integer division"
            in finding.message)


def test_the_same_helper_dividing_with_true_division_is_no_finding(tmp_path, monkeypatch):
    (tmp_path / "digit_pixels_true.py").write_text(HELPER.replace("// 255", "/ 255"))
    monkeypatch.syspath_prepend(str(tmp_path))
    from digit_pixels_true import load_pixels
    tf.random.set_seed(0)
    assert diagnose(train(*load_pixels())) == []


def test_a_helper_in_another_notebook_cell_is_named_with_its_cell():
    pytest.importorskip("IPython")
    from IPython.testing import globalipapp
    shell = globalipapp.get_ipython()
    first = shell.run_cell(HELPER, store_history=True)
    second = shell.run_cell(
        "import tapeviz as tf\n"
        "from programs import guide_cnn\n"
        "from tapeviz.debugger import Recorder, diagnose\n"
        "tf.random.set_seed(0)\n"
        "images, labels = load_pixels()\n"
        "model, optimizer = guide_cnn(), tf.keras.optimizers.Adam()\n"
        "loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)\n"
        "dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)\n"
        "with Recorder() as rec:\n"
        "    for x, y in dataset.take(6):\n"
        "        with tf.GradientTape() as tape:\n"
        "            loss = loss_object(y, model(x, training=True))\n"
        "        grads = tape.gradient(loss, model.trainable_variables)\n"
        "        optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
        "found = diagnose(rec)\n", store_history=True)
    assert first.success and second.success
    [finding] = [f for f in shell.user_ns["found"] if f.kind == "integer_division"]
    cell, line = f"Cell In[{first.execution_count}]", f"Cell In[{second.execution_count}]"
    assert (f"and {cell}, line 7: images = images[..., None] // 255 (in load_pixels, run "
            f"from {line}, line 5) divides by 255 with //" in finding.message)
    assert finding.related.lineno == 12   # the model's call, in the training cell


# ---- the division in a helper nested in the training function, in a lambda given to map --
def test_a_helper_defined_inside_the_training_function_is_named():
    def load_pixels():
        (images, labels), _ = load_digits()
        return images[..., None] // 255, labels.astype(np.int64)  # BUG: nested helper
    tf.random.set_seed(0)
    images, labels = load_pixels()  # NESTED CALL
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)
    with Recorder() as rec:
        for x, y in dataset.take(6):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = integer_findings(rec)   # was: none (load_pixels is in no namespace)
    assert finding.source.lineno == int(here("# BUG: nested helper").split(":")[1])
    assert (f"and tests/{here('# BUG: nested helper')}: return images[..., None] // 255, "
            f"labels.astype(np.int64)" in finding.message)
    assert (f"(in load_pixels, run from tests/{here('# NESTED CALL')}) divides by 255 with //"
            in finding.message)


def test_a_nested_helper_dividing_with_true_division_is_no_finding():
    def load_pixels():
        (images, labels), _ = load_digits()
        return images[..., None] / 255, labels.astype(np.int64)
    tf.random.set_seed(0)
    images, labels = load_pixels()
    assert diagnose(train(images, labels)) == []


def map_trained(scale) -> Recorder:
    """The guide's train_step over 6 batches of the digits' uint8 pixels mapped by `scale`
    (a lambda written at its caller's line), as `tf.data` pipelines scale them."""
    (images, labels), _ = load_digits()
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    pixels = tf.data.Dataset.from_tensor_slices((images[..., None], labels.astype(np.int64)))
    dataset = pixels.map(scale).batch(32)
    with Recorder() as rec:
        for x, y in dataset.take(6):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def test_a_lambda_given_to_dataset_map_that_divides_with_integer_division_is_named():
    """TF's `x // 255` on uint8 pixels is a floor division (0 or 1), as tapeviz's is."""
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    dataset = tf.data.Dataset.from_tensor_slices((images[..., None], labels.astype(np.int64)))
    dataset = dataset.map(lambda x, y: (x // 255, y)).batch(32)  # BUG: in a lambda
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.take(6):
            assert x.dtype == tf.uint8 and set(np.unique(x.numpy())) <= {0, 1}
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))  # LAMBDA'S MODEL CALL
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    [finding] = integer_findings(rec)   # was: none (a lambda's body was not read)
    assert (f"and tests/{here('# BUG: in a lambda')}: dataset = dataset.map(lambda x, y: "
            f"(x // 255, y)).batch(32)" in finding.message)
    assert "(in the lambda given to map) divides by 255 with //" in finding.message
    assert finding.source.lineno == int(here("# BUG: in a lambda").split(":")[1])
    assert finding.related.lineno == int(here("# LAMBDA'S MODEL CALL").split(":")[1])


def test_a_lambda_dividing_uint8_pixels_with_true_division_is_no_finding():
    """TF's `x / 255` on uint8 pixels is a true division to float32, as tapeviz's is."""
    tf.random.set_seed(0)
    rec = map_trained(lambda x, y: (x / 255, y))
    assert rec.last_step.find(op="conv2d")[0].inputs[0].dtype == tf.float32
    assert diagnose(rec) == []


# ---- the division in the function that calls the training function (a script's main()) ----
def test_a_division_in_the_function_calling_the_training_function_is_named():
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    images = images[..., None] // 255  # BUG: in the caller
    [finding] = integer_findings(train(images, labels.astype(np.int64)))   # was: none
    assert finding.source.lineno == int(here("# BUG: in the caller").split(":")[1])
    assert (f"and tests/{here('# BUG: in the caller')}: images = images[..., None] // 255  "
            f"# BUG: in the caller (in test_a_division_in_the_function_calling_the_training_"
            f"function_is_named, which calls train) divides by 255 with //" in finding.message)


def test_a_division_in_another_caller_of_the_training_function_is_not_named():
    """Several functions of the file call `train`; only one running now can have given it
    its images: the one above, which divides with //, did not run."""
    tf.random.set_seed(0)
    (images, labels), _ = load_digits()
    assert integer_findings(train(images[..., None] / 255, labels.astype(np.int64))) == []
