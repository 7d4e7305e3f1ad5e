"""Dataset loaders: keras.datasets.mnist (npz, IDX folders, caches, download) and
tapeviz.datasets (CS20 birth-life, its synthetic stand-in, scikit-learn's digits).

No test touches the network: downloads go through a fake `urlopen`.
"""
import gzip
import hashlib
import io
import urllib.error
import urllib.request

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import datasets
from tapeviz.keras.datasets import mnist

MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def isolated_caches(tmp_path, monkeypatch):
    """Point every cache at empty temp folders and make any real network use fail loudly."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("TAPEVIZ_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network in tests")
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path


def fake_mnist(n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
            "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, n_test, dtype=np.uint8)}


def npz_bytes(arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(folder, arrays, compress: bool, splits=("train", "test")):
    folder.mkdir(parents=True, exist_ok=True)
    names = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "x_train",
                       "y_train"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "x_test", "y_test")}
    for split in splits:
        images, labels, x, y = names[split]
        for name, data in ((images, idx_bytes(arrays[x], 2051)),
                           (labels, idx_bytes(arrays[y], 2049))):
            if compress:
                (folder / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
    return folder


def assert_same(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                     (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8


class FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


# ---- mnist.load_data ----------------------------------------------------------------------
def test_mnist_from_an_npz_path(tmp_path):
    arrays = fake_mnist()
    path = tmp_path / "my.npz"
    path.write_bytes(npz_bytes(arrays))
    assert_same(mnist.load_data(path), arrays)
    assert_same(tf.keras.datasets.mnist.load_data(str(path)), arrays)


def test_mnist_from_the_keras_cache(tmp_path):
    arrays = fake_mnist(seed=1)
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    (tmp_path / "keras" / "datasets" / "mnist.npz").write_bytes(npz_bytes(arrays))
    assert_same(mnist.load_data(), arrays)


def test_mnist_keras_cache_defaults_to_home(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME")
    arrays = fake_mnist(seed=2)
    (tmp_path / "home" / ".keras" / "datasets").mkdir(parents=True)
    (tmp_path / "home" / ".keras" / "datasets" / "mnist.npz").write_bytes(npz_bytes(arrays))
    assert_same(mnist.load_data(), arrays)


@pytest.mark.parametrize("variable", ["TAPEVIZ_HOME", "XDG_CACHE_HOME"])
def test_mnist_from_the_tapeviz_cache(tmp_path, monkeypatch, variable):
    arrays = fake_mnist(seed=3)
    if variable == "TAPEVIZ_HOME":
        monkeypatch.setenv("TAPEVIZ_HOME", str(tmp_path / "tv"))
        cache = tmp_path / "tv" / "datasets"
    else:
        cache = tmp_path / "xdg" / "tapeviz" / "datasets"
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(npz_bytes(arrays))
    assert_same(mnist.load_data(), arrays)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_mnist_from_a_folder_of_idx_files(tmp_path, compress):
    arrays = fake_mnist(seed=4)
    folder = write_idx_folder(tmp_path / "idx", arrays, compress)
    assert_same(mnist.load_data(folder), arrays)


def test_load_idx_folder_returns_the_splits_present(tmp_path):
    arrays = fake_mnist(seed=5)
    folder = write_idx_folder(tmp_path / "idx", arrays, True, splits=("test",))
    splits = mnist.load_idx_folder(folder)
    assert list(splits) == ["test"]
    np.testing.assert_array_equal(splits["test"][0], arrays["x_test"])
    with pytest.raises(FileNotFoundError, match="load_idx_folder"):
        mnist.load_data(folder)  # load_data needs both splits


def test_load_idx_folder_of_nothing_names_the_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        mnist.load_idx_folder(tmp_path)


def test_idx_wrong_magic_number_is_a_clear_error(tmp_path):
    arrays = fake_mnist(seed=6)
    folder = write_idx_folder(tmp_path / "idx", arrays, False)
    labels = folder / "t10k-labels-idx1-ubyte"
    labels.write_bytes(idx_bytes(arrays["y_test"], 2051))  # the images' magic number
    with pytest.raises(ValueError, match="magic number 2051; expected 2049"):
        mnist.load_data(folder)


def test_idx_truncated_data_is_a_clear_error(tmp_path):
    arrays = fake_mnist(seed=7)
    folder = write_idx_folder(tmp_path / "idx", arrays, False)
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"declares shape \(6, 28, 28\)"):
        mnist.load_data(folder)


def test_idx_images_and_labels_counts_must_agree(tmp_path):
    arrays = fake_mnist(seed=8)
    arrays["y_test"] = arrays["y_test"][:3]
    folder = write_idx_folder(tmp_path / "idx", arrays, True)
    with pytest.raises(ValueError, match="4 images but .* 3 labels"):
        mnist.load_data(folder)


def test_npz_missing_arrays_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(npz_bytes({"x_train": np.zeros(2)}))
    with pytest.raises(ValueError, match="y_train"):
        mnist.load_data(path)


def test_mnist_without_network_lists_every_place_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    for place in mnist.candidate_paths():
        assert str(place) in message
    assert str(tmp_path / "keras" / "datasets" / "mnist.npz") in message
    assert str(tmp_path / "xdg" / "tapeviz" / "datasets" / "mnist.npz") in message
    assert mnist.ORIGIN in message
    assert not (tmp_path / "xdg" / "tapeviz").exists()  # nothing created without a network


def test_mnist_downloads_into_the_tapeviz_cache_and_checks_sha256(tmp_path, monkeypatch,
                                                                    capsys):
    payload = npz_bytes(fake_mnist(seed=9))
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(payload).hexdigest())
    urls = []
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, **kw: urls.append(url) or FakeResponse(payload))
    (x_train, _), _ = mnist.load_data()
    assert urls == [mnist.ORIGIN] and x_train.shape == (6, 28, 28)
    cached = tmp_path / "xdg" / "tapeviz" / "datasets" / "mnist.npz"
    assert cached.read_bytes() == payload
    assert "Downloading mnist.npz" in capsys.readouterr().err
    mnist.load_data()  # now from the cache: no second download
    assert len(urls) == 1


def test_mnist_download_with_a_wrong_checksum_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, **kw: FakeResponse(b"not the real mnist"))
    with pytest.raises(ValueError, match="sha256.*731c5ac6"):
        mnist.load_data()
    folder = tmp_path / "xdg" / "tapeviz" / "datasets"
    assert list(folder.iterdir()) == []


def test_download_accepts_an_injected_urlopen(tmp_path):
    target = mnist.download("https://example.invalid/f", tmp_path / "f.bin",
                            hashlib.sha256(b"abc").hexdigest(),
                            urlopen=lambda url, **kw: FakeResponse(b"abc"), progress=False)
    assert target.read_bytes() == b"abc"


def test_published_keras_source_and_hash():
    assert mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert mnist.SHA256 == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


# ---- the real MNIST test files ------------------------------------------------------------
def test_real_mnist_t10k_files(shared_data):
    folder = shared_data / "mnist"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    x, y = mnist.load_idx_folder(folder)["test"]
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8 and x.max() == 255
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert np.bincount(y).tolist() == MNIST_TEST_LABEL_COUNTS
    # the real digits feed a dataset pipeline
    split = 8000
    train = tf.data.Dataset.from_tensor_slices((x[:split], y[:split])).shuffle(1000, seed=0)
    images, labels = next(iter(train.batch(32)))
    assert images.shape == (32, 28, 28) and labels.dtype == tf.uint8


# ---- birth-life ---------------------------------------------------------------------------
def test_load_birth_life_real_file(shared_data):
    path = shared_data / "birth_life_2010.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data, n = datasets.load_birth_life(path)
    assert n == 190 and data.shape == (190, 2) and data.dtype == np.float32
    assert 1.09 <= data[:, 0].min() and data[:, 0].max() <= 7.07
    assert 47.3 <= data[:, 1].min() and data[:, 1].max() <= 83.0
    np.testing.assert_allclose(data[0], [1.822, 74.828243902], rtol=1e-6)  # Vietnam
    _, _, countries = datasets.load_birth_life(path, with_countries=True)
    assert countries[0] == "Vietnam" and len(countries) == 190
    # the README's closed-form least squares figures
    A = np.c_[data[:, 0].astype(np.float64), np.ones(n)]
    w, b = np.linalg.lstsq(A, data[:, 1].astype(np.float64), rcond=None)[0]
    assert w == pytest.approx(-5.718816, abs=1e-4) and b == pytest.approx(85.713499, abs=1e-3)


def test_cs20_lecture_loop_reproduces_the_published_figures(shared_data):
    """Per-example SGD over tfe.Iterator(dataset), as the CS20 eager lecture runs it."""
    import tapeviz.contrib.eager as tfe
    path = shared_data / "birth_life_2010.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data, n = datasets.load_birth_life(path)
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
    w, b = tfe.Variable(0.0), tfe.Variable(0.0)
    grad_fn = tfe.implicit_value_and_gradients(lambda x, y: (y - (x * w + b)) ** 2)
    for _ in range(100):
        total = 0.0
        for x_i, y_i in tfe.Iterator(dataset):
            loss, gradients = grad_fn(x_i, y_i)
            for gradient, variable in gradients:
                variable.assign_sub(0.001 * gradient)
            total += float(loss)
    assert float(w) == pytest.approx(-6.070214, abs=1e-4)
    assert float(b) == pytest.approx(84.929512, abs=1e-3)
    assert total / n == pytest.approx(30.0355, abs=1e-3)


def test_load_birth_life_wrong_header(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Country,Birth rate,Life expectancy\nA,1.0,70.0\n")
    with pytest.raises(ValueError, match=r"bad\.txt:1: expected the header"):
        datasets.load_birth_life(path)


@pytest.mark.parametrize("row", ["Chad\t6.2", "Chad\tsix\t50.0", "Chad\t6.2\t50\textra"])
def test_load_birth_life_malformed_row_names_its_line(tmp_path, row):
    path = tmp_path / "bad.txt"
    path.write_text(f"Country\tBirth rate\tLife expectancy\nA\t1.5\t80.0\n{row}\n")
    with pytest.raises(ValueError, match=r"bad\.txt:3:"):
        datasets.load_birth_life(path)


def test_load_birth_life_small_file(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("Country\tBirth rate\tLife expectancy\nA\t1.5\t80.25\nB\t6\t55\n\n")
    data, n = datasets.load_birth_life(path)
    assert n == 2 and data.tolist() == [[1.5, 80.25], [6.0, 55.0]]


def test_synthetic_birth_life_shape_ranges_and_labels():
    data, n = datasets.synthetic_birth_life()
    assert n == 190 and data.shape == (190, 2) and data.dtype == np.float32
    assert 1.1 <= data[:, 0].min() and data[:, 0].max() <= 7.1
    assert 47.0 <= data[:, 1].min() and data[:, 1].max() <= 83.0
    slope = np.polyfit(data[:, 0], data[:, 1], 1)[0]
    assert -7.5 < slope < -4.0
    np.testing.assert_array_equal(data, datasets.synthetic_birth_life()[0])  # seeded
    assert not np.array_equal(data, datasets.synthetic_birth_life(seed=1)[0])
    _, _, names = datasets.synthetic_birth_life(n=3, with_countries=True)
    assert names == ["Synthetic country 1", "Synthetic country 2", "Synthetic country 3"]
    assert "SYNTHETIC" in datasets.synthetic_birth_life.__doc__


# ---- scikit-learn digits ------------------------------------------------------------------
def test_load_digits_in_mnist_layout():
    pytest.importorskip("sklearn")
    (x_train, y_train), (x_test, y_test) = datasets.load_digits()
    assert len(x_train) + len(x_test) == 1797 and len(x_test) == 359
    assert x_train.shape[1:] == (8, 8) and x_train.dtype == np.uint8 == y_train.dtype
    assert x_train.max() == 255 and x_train.min() == 0
    assert set(np.unique(np.concatenate([y_train, y_test]))) == set(range(10))
    again = datasets.load_digits()
    np.testing.assert_array_equal(again[1][1], y_test)  # the split is fixed


def test_load_digits_raw_layout():
    pytest.importorskip("sklearn")
    (x_train, y_train), _ = datasets.load_digits(as_mnist_layout=False)
    assert x_train.shape[1:] == (64,) and x_train.max() == 16.0


def test_load_digits_without_sklearn_says_what_to_install(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"pip install scikit-learn.*tapeviz\[demo\]"):
        datasets.load_digits()


# ---- fashion_mnist.load_data --------------------------------------------------------------
def test_fashion_mnist_from_the_keras_cache_folder(tmp_path):
    from tapeviz.keras.datasets import fashion_mnist
    arrays = fake_mnist(seed=3)
    write_idx_folder(tmp_path / "keras" / "datasets" / "fashion-mnist", arrays, compress=True)
    assert_same(tf.keras.datasets.fashion_mnist.load_data(), arrays)
    assert len(fashion_mnist.CLASS_NAMES) == 10


def test_fashion_mnist_downloads_its_four_files_into_the_tapeviz_cache(tmp_path, monkeypatch):
    from tapeviz.keras.datasets import fashion_mnist
    arrays = fake_mnist(seed=4)
    source = write_idx_folder(tmp_path / "source", arrays, compress=True)
    urls = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, **kw: urls.append(url) or
                        FakeResponse((source / url.rsplit("/", 1)[1]).read_bytes()))
    assert_same(fashion_mnist.load_data(), arrays)
    assert sorted(urls) == sorted(fashion_mnist.ORIGIN + name for name in fashion_mnist.FILES)
    assert_same(fashion_mnist.load_data(), arrays)   # from the cache: no second download
    assert len(urls) == 4


def test_fashion_mnist_without_network_lists_every_place_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="fashion_mnist.load_data: .* could not be "
                                                "downloaded") as info:
        tf.keras.datasets.fashion_mnist.load_data()
    assert str(tmp_path / "keras" / "datasets" / "fashion-mnist") in str(info.value)
