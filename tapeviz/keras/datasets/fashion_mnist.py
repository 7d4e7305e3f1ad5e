"""`tapeviz.keras.datasets.fashion_mnist`: Zalando's clothing images (ten classes, MNIST's
28x28 format), loaded as Keras loads them: the four IDX files of a `fashion-mnist` folder in
Keras's cache or tapeviz's, downloaded into tapeviz's only when neither holds them. With no
network it says where to put them.
"""
from __future__ import annotations

import pathlib

from .mnist import candidate_paths, download, load_idx_folder

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
FOLDER = "fashion-mnist"
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28) and uint8 labels 0-9
    (their names: CLASS_NAMES), 60,000 for training and 10,000 for testing.

    Looked for in `./fashion-mnist`, Keras's cache (`$KERAS_HOME/datasets/fashion-mnist`,
    default `~/.keras/...`) and tapeviz's (`$TAPEVIZ_HOME/datasets`, else
    `$XDG_CACHE_HOME/tapeviz/datasets`, default `~/.cache/tapeviz/datasets`).

    Raises
    ------
    FileNotFoundError
        When the files are nowhere and cannot be downloaded; the message lists every place
        looked in.
    """
    folders = candidate_paths(FOLDER)
    for folder in folders:
        if all((folder / name).is_file() for name in FILES):
            return _splits(folder)
    target = folders[-1]
    import http.client   # here, not at the top: importing it costs ~20 ms
    try:
        for name in FILES:
            if not (target / name).is_file():
                download(ORIGIN + name, target / name, None)
    except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
        places = "\n".join(f"  {p}" for p in dict.fromkeys(folders))
        raise FileNotFoundError(
            f"fashion_mnist.load_data: its files ({', '.join(FILES)}) were not found and "
            f"could not be downloaded ({error}).\nLooked in:\n{places}\nDownload them from "
            f"{ORIGIN} elsewhere and put them in one of these folders.") from error
    return _splits(target)


def _splits(folder: pathlib.Path):
    splits = load_idx_folder(folder)
    return splits["train"], splits["test"]


__all__ = ["load_data"]

from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports


__all__ = ["load_data"]

from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
