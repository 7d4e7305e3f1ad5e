"""Rich HTML reprs for engine objects: what a notebook shows when a tape, a recording or a
tensor is the value of a cell, readable with no widget and no kernel (GitHub, nbviewer).

The engine knows nothing of this module: `tapeviz.ipython.display` registers `html_of` with
IPython's `text/html` formatter for the engine's classes, importing this module at the first
display. It returns None where the front's dependencies are missing (no Graphviz binary,
say), and IPython then shows the plain repr.
"""
from __future__ import annotations

import html

import numpy as np

from ..tensor import Tensor
from . import image
from .export import static_html
from .render import LayoutUnavailable

HEATMAP_MAX = 256 * 256     # 2-D tensors up to this many values get a heatmap


def html_of(obj) -> str | None:
    """The static HTML of a tape, stepper, Recorder, RecordedStep or Tensor; None if none."""
    if isinstance(obj, Tensor):
        return tensor_html(obj)
    try:
        return static_html(obj)
    except (LayoutUnavailable, ValueError):   # no Graphviz; a consumed tape: plain repr
        return None


def tensor_html(tensor) -> str:
    """The TF-style repr, a one-line summary and, for a 2-D tensor, a heatmap.

    >>> import tapeviz as tf
    >>> text = tensor_html(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    >>> "shape=(2, 2), dtype=float32" in text and "data:image/png;base64," in text
    True
    """
    from ..debugger.summary import summarize
    value = np.asarray(tensor._value)
    parts = [f"<pre>{html.escape(repr(tensor))}</pre>"]
    if value.size > 1:
        parts.append(f"<div><code>{html.escape(summarize(value))}</code></div>")
    if value.ndim == 2 and 4 <= value.size <= HEATMAP_MAX and value.dtype.kind in "iuf":
        parts.append(f'<img src="{image.heatmap(value)}" alt="heatmap" '
                     f'style="image-rendering:pixelated;max-width:256px">')
    return f'<div class="tapeviz-tensor">{"".join(parts)}</div>'
