"""`tapeviz.keras.datasets.mnist`: the MNIST digits, loaded as Keras loads them.

`load_data()` looks for `mnist.npz` where Keras and tapeviz cache it, reads the four
IDX files from a folder, and downloads the Keras copy (sha256-checked) only when none
is found. With no network it says where to put the file. `load_idx_folder` reads
whatever splits a folder of IDX files holds (for example only the 10,000 test images).
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pathlib
import sys

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension
_IDX_STEMS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_data(path: str | os.PathLike = "mnist.npz"):
    """((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28) and uint8 labels.

    Looked for in order: `path` itself (an .npz file, or a folder of the four IDX files),
    then the Keras cache (`$KERAS_HOME/datasets`, default `~/.keras/datasets`), then
    tapeviz's cache (`$TAPEVIZ_HOME/datasets`, else `$XDG_CACHE_HOME/tapeviz/datasets`,
    default `~/.cache/tapeviz/datasets`). If none holds it, the Keras copy is downloaded
    into tapeviz's cache.

    Raises
    ------
    FileNotFoundError
        When the file is nowhere and cannot be downloaded; the message lists every place
        looked in.
    ValueError
        When a file is malformed or a download fails its sha256 check.
    """
    path = pathlib.Path(path).expanduser()
    if path.is_dir():
        splits = load_idx_folder(path)
        missing = [name for name in _IDX_STEMS if name not in splits]
        if missing:
            raise FileNotFoundError(
                f"mnist.load_data: {path} has no {' or '.join(missing)} IDX files "
                f"({', '.join(_IDX_STEMS[missing[0]])}, optionally .gz); "
                f"use mnist.load_idx_folder({str(path)!r}) to read the splits it has")
        return splits["train"], splits["test"]
    candidates = candidate_paths(path)
    for candidate in candidates:
        if candidate.is_file():
            return _load_npz(candidate)
    target = _tapeviz_cache() / path.name
    import http.client   # here, not at the top: importing it costs ~20 ms
    try:
        download(ORIGIN, target, SHA256)
    except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
        places = "\n".join(f"  {p}" for p in dict.fromkeys(candidates))
        raise FileNotFoundError(
            f"mnist.load_data: {path.name} was not found and could not be downloaded "
            f"({error}).\nLooked in:\n{places}\nDownload {ORIGIN} elsewhere and put it "
            f"in one of these places (or pass its path, or a folder of the IDX files, as "
            f"load_data(path=...)).") from error
    return _load_npz(target)


def candidate_paths(path: str | os.PathLike = "mnist.npz") -> list[pathlib.Path]:
    """Where `load_data(path)` looks, in order: `path`, the Keras cache, tapeviz's cache."""
    path = pathlib.Path(path).expanduser()
    name = path.name
    keras_home = pathlib.Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()
    return [path.absolute(), keras_home / "datasets" / name, _tapeviz_cache() / name]


def _tapeviz_cache() -> pathlib.Path:
    if os.environ.get("TAPEVIZ_HOME"):
        return pathlib.Path(os.environ["TAPEVIZ_HOME"]).expanduser() / "datasets"
    cache = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return pathlib.Path(cache).expanduser() / "tapeviz" / "datasets"


def download(url: str, target: pathlib.Path, sha256: str | None, urlopen=None,
             progress: bool = True) -> pathlib.Path:
    """Fetch `url` into `target` (via a .part file), checking its sha256 before keeping it.

    `urlopen` defaults to `urllib.request.urlopen` (tests pass a fake). A mismatched hash
    deletes the download and raises ValueError.
    """
    if urlopen is None:
        import urllib.request
        urlopen = urllib.request.urlopen
    target = pathlib.Path(target)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with urlopen(url, timeout=60) as response:
            target.parent.mkdir(parents=True, exist_ok=True)  # only once the network answers
            headers = getattr(response, "headers", None) or {}
            total, done = int(headers.get("Content-Length") or 0), 0
            with open(partial, "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        _show_progress(target.name, done, total)
        if progress:
            print(file=sys.stderr)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise ValueError(f"download: {url} is corrupted or incomplete: its sha256 is "
                             f"{digest.hexdigest()}, expected {sha256}; the file was deleted, "
                             f"try again")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _show_progress(name: str, done: int, total: int) -> None:
    width = 30
    if total:
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        text = f"\rDownloading {name} [{bar}] {done / 1e6:.1f}/{total / 1e6:.1f} MB"
    else:
        text = f"\rDownloading {name} {done / 1e6:.1f} MB"
    print(text, end="", file=sys.stderr, flush=True)


def _load_npz(path: pathlib.Path):
    with np.load(path, allow_pickle=False) as data:
        missing = [key for key in _NPZ_KEYS if key not in data.files]
        if missing:
            raise ValueError(f"mnist.load_data: {path} lacks the arrays {missing}; "
                             f"it holds {sorted(data.files)}")
        x_train, y_train, x_test, y_test = (data[key] for key in _NPZ_KEYS)
    return (x_train, y_train), (x_test, y_test)


def load_idx_folder(folder: str | os.PathLike) -> dict:
    """The MNIST splits a folder of IDX files holds: {"train": (x, y), "test": (x, y)}.

    Each split is present when both its files are (raw or .gz; `train-images.idx3-ubyte`
    spellings work too), so a folder with only the t10k files gives {"test": ...}.

    Raises
    ------
    FileNotFoundError
        When the folder holds neither split.
    ValueError
        When a file has a wrong magic number or size, or images and labels disagree.
    """
    folder = pathlib.Path(folder).expanduser()
    splits = {}
    for split, (images_stem, labels_stem) in _IDX_STEMS.items():
        images, labels = _find_idx(folder, images_stem), _find_idx(folder, labels_stem)
        if images is None or labels is None:
            continue
        x, y = read_idx(images, IMAGES_MAGIC), read_idx(labels, LABELS_MAGIC)
        if len(x) != len(y):
            raise ValueError(f"mnist: {images.name} holds {len(x)} images but "
                             f"{labels.name} holds {len(y)} labels")
        splits[split] = (x, y)
    if not splits:
        stems = [stem for pair in _IDX_STEMS.values() for stem in pair]
        raise FileNotFoundError(f"mnist: {folder} holds no MNIST IDX files; expected "
                                f"{', '.join(stems)} (each optionally .gz)")
    return splits


def _find_idx(folder: pathlib.Path, stem: str) -> pathlib.Path | None:
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def read_idx(path: str | os.PathLike, magic: int | None = None) -> np.ndarray:
    """The uint8 array in one IDX file (raw or gzip), checking its magic number and size."""
    path = pathlib.Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except gzip.BadGzipFile as error:
        raise ValueError(f"mnist: {path} is not a valid gzip file ({error})") from error
    if len(raw) < 4:
        raise ValueError(f"mnist: {path} is too short to be an IDX file ({len(raw)} bytes)")
    found = int.from_bytes(raw[:4], "big")
    expected = {IMAGES_MAGIC, LABELS_MAGIC} if magic is None else {magic}
    if found not in expected:
        raise ValueError(f"mnist: {path} has magic number {found}; expected "
                         f"{' or '.join(map(str, sorted(expected)))} (an IDX file of bytes)")
    ndim = found & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"mnist: {path} ends inside its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != size:
        raise ValueError(f"mnist: {path} declares shape {shape} ({size} bytes of data) but "
                         f"holds {len(raw) - header} bytes of data")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


__all__ = ["load_data"]


from ...namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
