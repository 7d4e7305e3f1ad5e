"""A name a tapeviz namespace lacks: TensorFlow's (said not covered) or a typo (said with the
closest names); both still AttributeErrors, so hasattr and `except AttributeError` work."""
import subprocess
import sys

import pytest

import tapeviz as tf


@pytest.mark.parametrize("space,name", [("math", "cumprod"), ("", "RaggedTensor"), ("nn", "crelu"),
                                        ("linalg", "cholesky"), ("keras.metrics", "AUC"),
                                        ("keras.callbacks", "TensorBoard"),
                                        ("keras.losses", "Poisson"), ("random", "gamma"),
                                        ("data", "TFRecordDataset"),
                                        ("keras.layers", "ConvLSTM2D"),
                                        ("keras.optimizers", "Lion"), ("keras", "mixed_precision"),
                                        ("keras.regularizers", "OrthogonalRegularizer"),
                                        ("keras.utils", "plot_model"),
                                        ("train", "ExponentialMovingAverage"),
                                        ("keras.models", "model_from_json"),
                                        ("keras.datasets", "cifar100")])
def test_a_tensorflow_name_tapeviz_lacks_is_said_to_be_tensorflows(space, name):
    module = tf
    for part in filter(None, space.split(".")):
        module = getattr(module, part)
    qualified = f"tf.{space}.{name}" if space else f"tf.{name}"
    with pytest.raises(AttributeError, match=f"{qualified} is TensorFlow's, and tapeviz does "
                                             f"not cover it"):
        getattr(module, name)
    assert not hasattr(module, name)


@pytest.mark.parametrize("space,name,instead", [
    ("", "summary", r"keep the values in a list .* tapeviz's dashboard"),
    ("", "strings", r"not text to compute on: read and split the text in Python"),
    ("data", "TextLineDataset", r"give tapeviz the ids"),
    ("", "saved_model", r"model.save\('model.keras'\).* save the weights "
                        r"\(model.save_weights\(path\)\)"),
    ("keras.callbacks", "TensorBoard", r"fit's History")])
def test_a_name_out_of_an_eager_numpy_engines_reach_says_what_to_write_instead(space, name,
                                                                               instead):
    module = tf
    for part in filter(None, space.split(".")):
        module = getattr(module, part)
    with pytest.raises(AttributeError, match=f"tapeviz does not cover it; .*{instead}"):
        getattr(module, name)


def test_a_typo_names_the_closest_names():
    with pytest.raises(AttributeError, match=r"TensorFlow has no tf.reduce_summ either; did "
                                             r"you mean reduce_sum"):
        _ = tf.reduce_summ
    with pytest.raises(AttributeError, match=r"has no attribute 'xyzzy'$"):
        _ = tf.math.xyzzy


def test_private_and_dunder_probes_stay_plain_attribute_errors():
    assert not hasattr(tf, "_repr_html_") and not hasattr(tf.nn, "__wrapped__")
    assert "_missing" not in tf.math.__all__ and "missing" not in tf.math.__all__


def test_the_message_reaches_a_script_s_traceback_without_pythons_own_guess():
    done = subprocess.run([sys.executable, "-c", "import tapeviz as tf; tf.nn.crelu"],
                          capture_output=True, text=True, timeout=120)
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("AttributeError: module 'tapeviz.nn' has no attribute 'crelu': tf.nn.crelu "
                    "is TensorFlow's, and tapeviz does not cover it")


@pytest.mark.parametrize("space", ["math", "nn", "random", "linalg", "config"])
def test_a_namespace_exports_only_tensorflow_names(space):
    """`from tapeviz.math import *` gives TF's names, not tapeviz's helpers (tf.math.arguments,
    tf.math.cast: TF has tf.cast only)."""
    from tapeviz.tf_names import TF_NAMES
    assert set(getattr(tf, space).__all__) <= TF_NAMES[space]


def test_older_programs_device_lines_run_on_tapeviz_s_cpu():
    gpus = tf.config.experimental.list_physical_devices("GPU")   # TF 2.0-era programs' top
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    assert gpus == [] and tf.config.experimental.list_physical_devices("CPU")[0].device_type \
        == "CPU"
    with pytest.raises(tf.InvalidArgumentError, match="set_memory_growth: memory growth is a "
                                                      "GPU setting"):
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices()[0], True)
    with pytest.raises(AttributeError, match="tf.config.experimental.get_memory_info is "
                                             "TensorFlow's"):
        _ = tf.config.experimental.get_memory_info


def test_a_dataset_method_tapeviz_lacks_is_said_to_be_tensorflows():
    dataset = tf.data.Dataset.range(3)
    with pytest.raises(AttributeError, match=r"'Dataset' object has no attribute "
                                             r"'ragged_batch': tf.data.Dataset.ragged_batch "
                                             r"is TensorFlow's"):
        dataset.ragged_batch(2)
    with pytest.raises(AttributeError, match=r"TensorFlow has no tf.data.Dataset.shufle either; "
                                             r"did you mean shuffle"):
        dataset.shufle(3)
    assert not hasattr(dataset, "__array_interface__")
