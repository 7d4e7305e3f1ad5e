"""Small datasets for demos and lectures: CS20's birth-life data and offline 8x8 digits.

`load_birth_life` reads the Stanford CS20 file (as the lecture's
`utils.read_birth_life_data` does); `synthetic_birth_life` generates a labelled stand-in
of the same shape for machines without the file; `load_digits` gives scikit-learn's
bundled handwritten digits (no network) in MNIST's layout. All return numpy arrays.
"""
from __future__ import annotations

import os
import pathlib

import numpy as np

BIRTH_LIFE_HEADER = ("Country", "Birth rate", "Life expectancy")


def load_birth_life(path: str | os.PathLike, with_countries: bool = False):
    """(data, n_samples) from the CS20 birth-life file: float32 rows of [birth rate, life].

    The file is a header line `Country<TAB>Birth rate<TAB>Life expectancy`, then one
    tab-separated row per country. With `with_countries=True` the country names come
    third: (data, n_samples, countries).

    Raises
    ------
    ValueError
        When the header is wrong or a row is malformed; the message names the line.
    """
    path = pathlib.Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(field.strip() for field in lines[0].split("\t")) != BIRTH_LIFE_HEADER:
        found = lines[0] if lines else "an empty file"
        raise ValueError(f"load_birth_life: {path}:1: expected the header "
                         f"{chr(9).join(BIRTH_LIFE_HEADER)!r}; got {found!r}")
    rows, countries = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"load_birth_life: {path}:{number}: expected 3 tab-separated "
                             f"fields (country, birth rate, life expectancy); got "
                             f"{len(fields)} in {line!r}")
        try:
            rows.append((float(fields[1]), float(fields[2])))
        except ValueError:
            raise ValueError(f"load_birth_life: {path}:{number}: birth rate and life "
                             f"expectancy must be numbers; got {line!r}") from None
        countries.append(fields[0])
    data = np.asarray(rows, dtype=np.float32).reshape(-1, 2)
    return (data, len(data), countries) if with_countries else (data, len(data))


def synthetic_birth_life(n: int = 190, seed: int = 0, with_countries: bool = False):
    """SYNTHETIC stand-in for the CS20 birth-life data: generated numbers, not real countries.

    Same layout as `load_birth_life`: (data, n_samples), float32 rows of [birth rate,
    life expectancy], with birth rates in 1.1-7.1 (skewed low, as the real ones are) and
    life expectancy = 85.7 - 5.7 * birth rate + noise, clipped to 47-83. The countries
    (`with_countries=True`) are named "Synthetic country 1", "Synthetic country 2", ...

    >>> data, n = synthetic_birth_life()
    >>> data.shape, data.dtype, n
    ((190, 2), dtype('float32'), 190)
    """
    rng = np.random.default_rng(seed)
    birth = 1.1 + 6.0 * rng.beta(1.2, 3.0, size=n)
    life = np.clip(85.7 - 5.7 * birth + rng.normal(0.0, 6.0, size=n), 47.0, 83.0)
    data = np.stack([birth, life], axis=1).astype(np.float32)
    if with_countries:
        return data, n, [f"Synthetic country {i}" for i in range(1, n + 1)]
    return data, n


def load_digits(as_mnist_layout: bool = True, test_fraction: float = 0.2, seed: int = 0):
    """((x_train, y_train), (x_test, y_test)) from scikit-learn's 1,797 real 8x8 digits.

    Offline: scikit-learn ships the file. With `as_mnist_layout` (the default) the images
    are uint8 (N, 8, 8) scaled from 0-16 to 0-255 and the labels uint8, like
    `keras.datasets.mnist.load_data()`; otherwise images are float64 (N, 64) in 0-16 and
    labels int64, as scikit-learn gives them. The split is a fixed permutation from `seed`.

    Raises
    ------
    ImportError
        When scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits as _sklearn_digits
    except ImportError as error:
        raise ImportError("load_digits needs scikit-learn, which ships the 8x8 digits: "
                          "pip install scikit-learn (or pip install tapeviz[demo])") from error
    bunch = _sklearn_digits()
    images, labels = bunch.data, bunch.target
    if as_mnist_layout:
        images = np.round(images.reshape(-1, 8, 8) * (255.0 / 16.0)).astype(np.uint8)
        labels = labels.astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(round(len(labels) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])
