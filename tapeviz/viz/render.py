"""DOT -> inline SVG through Graphviz: the pip-installed `graphviz-pure` binary or a system `dot`.

The last stop of the drawing pipeline (graph.py -> dot.py -> here -> widget/export). The
binary is looked up where a Jupyter kernel started by absolute path can still find it
(PATH, this interpreter's scripts folder, the user scheme's), run with `-Tsvg` on stdin,
and its output trimmed to the `<svg>` element so it can be inlined in HTML. Layouts are
cached by DOT text: re-rendering an unchanged view costs nothing.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import threading
from collections import OrderedDict

PIP_HINT = "pip install graphviz-pure==0.2.2"
CACHE_SIZE = 32

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_COMMENT = re.compile(r"<!--.*?-->", re.S)


class LayoutUnavailable(RuntimeError):
    """No Graphviz binary (graphviz-pure or dot) could be found."""


class LayoutError(RuntimeError):
    """Graphviz ran but failed (bad DOT, a crash, or the timeout)."""


def _candidates():
    exe = ".exe" if os.name == "nt" else ""
    yield shutil.which("graphviz-pure")
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else \
                sysconfig.get_path("scripts")
        except KeyError:   # a platform without a user scheme
            continue
        if scripts:
            yield os.path.join(scripts, "graphviz-pure" + exe)
    yield shutil.which("dot")


def find_layout_binary() -> str | None:
    """Path of the Graphviz binary to use (graphviz-pure first, then `dot`), or None.

    >>> find_layout_binary() is None or os.path.basename(find_layout_binary()).startswith(
    ...     ("graphviz-pure", "dot"))
    True
    """
    for path in _candidates():
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def strip_svg(text: str) -> str:
    """The `<svg>...</svg>` element alone: no XML prologue, doctype or comments.

    >>> strip_svg('<?xml version="1.0"?><!-- made by -->\\n<svg><!-- n0 --><g/></svg>\\n')
    '<svg><g/></svg>'
    """
    text = _COMMENT.sub("", text)
    start, end = text.find("<svg"), text.rfind("</svg>")
    if start < 0 or end < 0:
        raise LayoutError("Graphviz returned no <svg> element")
    return text[start:end + len("</svg>")]


def layout_svg(dot: str, timeout: float = 60) -> str:
    """Lay out DOT text with Graphviz and return the inline `<svg>` (cached by DOT text).

    >>> dot = 'digraph { "a" [id="a"]; "a" -> "b"; }'
    >>> svg = layout_svg(dot) if find_layout_binary() else '<svg><g id="a"/></svg>'
    >>> svg.startswith("<svg") and 'id="a"' in svg
    True
    """
    binary = find_layout_binary()
    if binary is None:
        raise LayoutUnavailable(
            "tapeviz draws graphs with Graphviz, and neither the `graphviz-pure` binary nor "
            f"a system `dot` was found (PATH and {sysconfig.get_path('scripts')} were "
            f"searched). Install it with: {PIP_HINT}")
    key = (binary, dot)
    with _cache_lock:
        svg = _cache.get(key)
        if svg is not None:
            _cache.move_to_end(key)
            return svg
    try:
        done = subprocess.run([binary, "-Tsvg"], input=dot.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LayoutError(f"Graphviz ({os.path.basename(binary)}) took more than "
                          f"{timeout} s; collapse the graph further") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise LayoutError(f"Graphviz ({os.path.basename(binary)}) failed with exit code "
                          f"{done.returncode}: {message}")
    svg = strip_svg(done.stdout.decode("utf-8", "replace"))
    with _cache_lock:
        _cache[key] = svg
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return svg
