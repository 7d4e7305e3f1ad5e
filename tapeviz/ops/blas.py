"""Matrix products that add into their output, through the OpenBLAS numpy's wheels ship.

numpy's matmul always overwrites its `out`, so `conv_taps.py` summed a block's kernel taps
with a separate add per tap (8 passes over the block for a 3x3 kernel). BLAS's gemm adds
into C itself (beta=1), and takes leading dimensions, so a tap's shifted rows are read in
place. numpy's Linux, macOS and Windows wheels load OpenBLAS from a folder beside numpy
(`numpy.libs`, `numpy/.dylibs`) under prefixed names (`scipy_cblas_sgemm64_`); loading the
same file again gives the same library, with the thread count numpy's users set
(threadpoolctl). `products(dtype)` is None wherever that library, its gemm or its integer
width is not found (numpy on Accelerate, MKL or a system BLAS, another dtype): callers keep
numpy's matmul there. Only float32 and float64 are bound.

cblas refuses a leading dimension under a row's length, so a kernel row's taps (KW
shifted slices one pixel apart) take KW products of depth C. `overlapping_products(dtype)`
calls the library's own small-matrix kernel for its CPU straight (SkylakeX and later; None
elsewhere, and under valgrind, whose CPU has no AVX-512), which reads the KW*C values of
each pixel's run where they lie: one product of depth KW*C, C's block read and written
once, not KW times. These kernels never start a thread (cblas's small path did not either).
"""
from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (prefix, suffix) of the exported names: scipy-openblas64 (numpy >= 2), scipy-openblas32,
# then a plain OpenBLAS with or without the ILP64 suffix
_NAMINGS = (("scipy_", "64_"), ("scipy_", ""), ("", "64_"), ("", ""))


def _library_files() -> list:
    """The OpenBLAS files a numpy wheel ships beside the package."""
    package = Path(np.__file__).parent
    return [path for folder in (package.parent / "numpy.libs", package / ".dylibs")
            for path in sorted(folder.glob("*openblas*")) if path.is_file()]


@functools.cache
def _library():
    """(the OpenBLAS library, its exported names' prefix and suffix), or None if not found."""
    for path in _library_files():
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        for prefix, suffix in _NAMINGS:
            if all(hasattr(library, f"{prefix}{name}{suffix}") for name in
                   ("openblas_get_config", "cblas_sgemm", "cblas_dgemm")):
                return library, prefix, suffix
    return None


@functools.cache
def _routines():
    """{letter: (the cblas gemm, its integer type)} for "s" and "d", or {} if not found."""
    found = _library()
    if found is None:
        return {}
    library, prefix, suffix = found
    config = getattr(library, f"{prefix}openblas_get_config{suffix}")
    config.restype, config.argtypes = ctypes.c_char_p, []
    integer = ctypes.c_int64 if b"USE64BITINT" in config() else ctypes.c_int32
    routines = {letter: getattr(library, f"{prefix}cblas_{letter}gemm{suffix}") for letter in "sd"}
    for routine in routines.values():
        routine.restype, routine.argtypes = None, None  # arguments come built
    return {letter: (routine, integer) for letter, routine in routines.items()}


# the cores whose small-matrix kernels are written for them (AVX-512); every other core's
# build carries the generic C loops, correct but far slower than its own gemm
_TUNED_SMALL_KERNELS = frozenset({"SKYLAKEX", "COOPERLAKE", "SAPPHIRERAPIDS"})


@functools.cache
def _small_kernels():
    """{letter: (the kernel adding into C, the one writing C)}: OpenBLAS's column-major
    small-matrix gemm kernels ("nn") for the core it chose as it loaded (SkylakeX and its
    successors have them; elsewhere {}). Unlike cblas they check no argument, so an A whose
    rows overlap (a leading dimension under k: a kernel row's taps read in place) is read
    as it lies."""
    found = _library()
    if found is None or ctypes.sizeof(ctypes.c_void_p) != 8:   # BLASLONG: 64 bits
        return {}
    library, prefix, suffix = found
    corename = getattr(library, f"{prefix}openblas_get_corename{suffix}", None)
    if corename is None:
        return {}
    corename.restype, corename.argtypes = ctypes.c_char_p, []
    core = corename().decode("ascii", "replace").upper()
    if core not in _TUNED_SMALL_KERNELS:
        return {}
    kernels = {}
    for letter in "sd":
        pair = tuple(getattr(library, f"{letter}gemm_small_kernel{variant}_nn_{core}", None)
                     for variant in ("", "_b0"))
        if None not in pair:
            for kernel in pair:
                kernel.restype, kernel.argtypes = ctypes.c_int, None  # arguments come built
            kernels[letter] = pair
    return kernels


class Products:
    """Sums of products C = sum over i of A_i @ B_i, row-major, for one geometry, by address.

    Each `A` is (m, k) with rows `lda` elements apart (with `trans_a`, stored as its (k, m)
    transpose, rows `lda` apart); each `B` (k, n), rows `ldb` apart; `C` (m, n), rows `ldc`
    apart. The caller keeps every array alive and in bounds: this hands raw addresses to
    BLAS. The arguments are built once, so a product costs about a microsecond more than
    BLAS's own work."""

    def __init__(self, routine, integer, scalar, *, trans_a, m, n, k, lda, ldb, ldc):
        self._routine = routine
        self._head = (ctypes.c_int(_ROW_MAJOR), ctypes.c_int(_TRANS if trans_a else _NO_TRANS),
                      ctypes.c_int(_NO_TRANS), integer(m), integer(n), integer(k), scalar(1.0))
        self._lda, self._ldb, self._ldc = integer(lda), integer(ldb), integer(ldc)
        self._beta = (scalar(0.0), scalar(1.0))

    def sum_into(self, c: int, a_addresses, b_addresses, accumulate: bool = False) -> None:
        """C = (C if `accumulate` else 0) + the sum over pairs of A @ B: BLAS adds each
        product into C (beta=1), with no temporaries and no separate adds."""
        routine, lda, ldb, ldc, pointer = self._routine, self._lda, self._ldb, self._ldc, \
            ctypes.c_void_p
        order, trans_a, trans_b, m, n, k, alpha = self._head
        zero, one = self._beta
        c, beta = pointer(c), one if accumulate else zero
        for a, b in zip(a_addresses, b_addresses):
            routine(order, trans_a, trans_b, m, n, k, alpha, pointer(a), lda, pointer(b), ldb,
                    beta, c, ldc)
            beta = one


class OverlappingProducts:
    """`Products`'s sums (A not transposed) by the small-matrix kernels called straight, so
    `lda` may be under `k`: each A's rows may overlap, as a kernel row's taps do on a flat
    pixel grid (one product of k = KW*C for KW products of k = C: the guide's second conv's
    taps 0.80 against 0.96 ms, isolated). Row-major C = A @ B is column-major
    C^T = B^T @ A^T, so the kernel is given (n, m, k) and B before A."""

    def __init__(self, kernels, scalar, *, m, n, k, lda, ldb, ldc):
        self._add, self._write = kernels
        integer = ctypes.c_int64
        self._head = (integer(n), integer(m), integer(k))
        self._lda, self._ldb, self._ldc = integer(lda), integer(ldb), integer(ldc)
        self._alpha, self._one = scalar(1.0), scalar(1.0)

    def sum_into(self, c: int, a_addresses, b_addresses, accumulate: bool = False) -> None:
        """C = (C if `accumulate` else 0) + the sum over pairs of A @ B."""
        add, lda, ldb, ldc, alpha, one, pointer = self._add, self._lda, self._ldb, self._ldc, \
            self._alpha, self._one, ctypes.c_void_p
        n, m, k = self._head
        c = pointer(c)
        for a, b in zip(a_addresses, b_addresses):
            if accumulate:
                add(n, m, k, pointer(b), ldb, alpha, pointer(a), lda, one, c, ldc)
            else:
                self._write(n, m, k, pointer(b), ldb, alpha, pointer(a), lda, c, ldc)
                accumulate = True


_LETTERS = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}
_SCALARS = {"s": ctypes.c_float, "d": ctypes.c_double}


def products(dtype):
    """A maker of `Products` for arrays of `dtype` (keywords as `Products` takes them; the
    last 64 geometries are kept made), or None where numpy's OpenBLAS gemm for it is not
    found."""
    letter = _LETTERS.get(np.dtype(dtype))
    if letter is None or not _routines():
        return None
    return functools.partial(_products, letter)


@functools.lru_cache(maxsize=64)
def _products(letter: str, **geometry) -> Products:
    routine, integer = _routines()[letter]
    return Products(routine, integer, _SCALARS[letter], **geometry)


def overlapping_products(dtype):
    """A maker of `OverlappingProducts` for arrays of `dtype` (keywords as `Products`
    takes them, without `trans_a`), or None where no small-matrix kernel is found."""
    letter = _LETTERS.get(np.dtype(dtype))
    if letter not in _small_kernels():
        return None
    return functools.partial(_overlapping_products, letter)


@functools.lru_cache(maxsize=64)
def _overlapping_products(letter: str, **geometry) -> OverlappingProducts:
    return OverlappingProducts(_small_kernels()[letter], _SCALARS[letter], **geometry)


def address(array: np.ndarray) -> int:
    """The address of `array`'s first element: through the buffer protocol where `array` is
    writable and contiguous (0.5 us), else its `__array_interface__` (a dict built, 2.5 us)."""
    try:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    except (TypeError, ValueError, BufferError):   # read-only, or not contiguous
        return array.__array_interface__["data"][0]
