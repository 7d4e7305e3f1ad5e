"""The node inspector: what the widget shows when a user clicks a node of the drawn tape.

`inspect_node` turns a dispatch Node, a debugger RecordedOp, a BackwardStep, a Tensor or
Variable (a leaf), or a viz GraphNode holding one of those in `.ref`, into a JSON-ready
payload `{"id", "title", "sections": [{"title", "type", "content"}, ...]}`: the op and
its params, the user's source line, value and gradient summaries, histograms (SVG) and
pictures (PNG data URLs from `viz.image`). Work is capped so that big tensors stay fast
and small: histograms bin a sample, pictures are block-averaged to at most 256 px a side,
and only the first images, channels and filters are drawn.
"""
from __future__ import annotations

import numpy as np

from ..debugger import op_inputs
from ..debugger.history import RecordedOp
from ..debugger.summary import NoValues, summarize
from ..dispatch import Node
from ..errors import OpError
from ..op_place import op_place
from ..debugger.variable_names import purpose
from ..debugger.variable_names import shown_name as variable_name
from ..dtypes import shown_name
from ..tensor import Tensor
from ..variable import Variable, VariableRead
from . import image
from .dot import drawn_title
from .failure import failed_payload
from .leaves import leaf_word
from .vocabulary import LEAF_NOUNS, words_of

SMALL_TEXT = 64        # 0-D/1-D values up to this many are listed in full, larger abridged
MAX_TILES = 16         # images, channels or filters drawn per grid
PICTURE_SIDE = 256     # pixels, the longest side of any picture
# an input no gradient is taken to, in the inspector and the stepping strip, in words a newcomer
# knows (was "none flows", then "leads to no source": TF's name for what gradient is taken for)
NO_INPUT_GRADIENT = "none (no variable or watched tensor lies behind it)"


def _array(value):
    return None if value is None else np.asanyarray(getattr(value, "_value", value))


def _section(title: str, kind: str, content) -> dict:
    return {"title": title, "type": kind, "content": content}


def _short(value) -> str:
    """A param's value in a table cell: big arrays summarised, long text cut."""
    if isinstance(value, np.ndarray) and value.size > 8:
        text = summarize(value)
    else:
        text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= 120 else text[:119] + "…"


def _numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "biuf" and values.size > 0 and not isinstance(values, NoValues)


def _legend(values: np.ndarray) -> str:
    """How a heatmap's colours read, e.g. 'blue -2 · white 0 · red 2'."""
    low, high, diverging = image.colour_scale(values)
    if diverging:
        text = f"blue {-high:.4g} · white 0 · red {high:.4g}"
    elif low == high:
        text = f"all {low:.4g}"
    else:
        text = f"purple {low:.4g} → yellow {high:.4g}"
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        text += "; magenta NaN, cyan Inf"
    return text


def _summary_table(values: np.ndarray) -> list:
    return [["summary", summarize(values)], ["shape", str(values.shape)],
            ["dtype", shown_name(values.dtype, say_copy=True)], ["size", str(values.size)]]


def _channels_last(values: np.ndarray, layout: str, kernel: bool) -> np.ndarray:
    """A 4-D value of an engine that puts channels first (torch: NCHW images, OIHW kernels)
    as the pictures take it (NHWC, HWIO)."""
    if layout != "NCHW" or values.ndim != 4:
        return values
    return values.transpose((2, 3, 1, 0) if kernel else (0, 2, 3, 1))


def _layout(obj) -> str:
    """The layout of the 4-D values of an op or a variable: "NHWC" (TF's, the numpy
    engine's) unless it says otherwise (tapeviz.torch's ops and parameters say "NCHW")."""
    return getattr(obj, "layout", "NHWC")


def _pictures(values: np.ndarray, prefix: str, kernel: bool = False,
              layout: str = "NHWC") -> list:
    """The values drawn by rank (none for a single value): text for 0-D/1-D, a heatmap for
    2-D (the first slice of 3-D), an image grid or feature maps for 4-D NHWC, a filter grid
    for an HWIO kernel (a channels-first `layout`'s values are drawn the same, transposed)."""
    values = _channels_last(values, layout, kernel)
    if values.size == 1 or isinstance(values, NoValues):   # a 1x1 picture says nothing; the
        return []                                          # summary reads the value
    if values.ndim <= 1:
        text = np.array2string(values, precision=6, threshold=SMALL_TEXT, max_line_width=100)
        return [_section(f"{prefix}Values", "text", text)] if values.size else []
    if not _numeric(values):
        return []
    if values.ndim == 2:
        return [_section(f"{prefix}Heatmap ({_legend(values)})", "img",
                         image.heatmap(values, max_size=PICTURE_SIDE))]
    if values.ndim == 3:
        return [_section(f"{prefix}Heatmap of [0] ({_legend(values[0])})", "img",
                         image.heatmap(values[0], max_size=PICTURE_SIDE))]
    if values.ndim != 4:
        return []
    if kernel:
        out, ins = values.shape[3], values.shape[2]
        how = "RGB" if ins == 3 else "blue < 0 < red" if ins == 1 else \
            f"mean over {ins} input channels, blue < 0 < red"
        return [_section(f"{prefix}Filters ({min(out, MAX_TILES)} of {out}, {how})", "img",
                         image.filter_grid(values, max_filters=MAX_TILES,
                                           max_size=PICTURE_SIDE))]
    batch, channels = values.shape[0], values.shape[3]
    if channels in (1, 3):
        return [_section(f"{prefix}Images ({min(batch, MAX_TILES)} of {batch})", "img",
                         image.image_grid(values[:MAX_TILES], max_size=PICTURE_SIDE))]
    return [_section(f"{prefix}Feature maps (example 0, {min(channels, MAX_TILES)} of "
                     f"{channels} channels)", "img",
                     image.image_grid(values[:1], max_images=MAX_TILES, max_size=PICTURE_SIDE))]


def _value_sections(values: np.ndarray, title: str, kernel: bool = False,
                    layout: str = "NHWC") -> list:
    """Summary table, histogram and picture of one array (an output or a gradient)."""
    prefix = "" if title == "Output" else f"{title}: "
    sections = [_section(title, "table", _summary_table(values))]
    if _numeric(values) and values.size > 1:
        sections.append(_section(f"{prefix}Histogram", "svg", image.histogram_svg(values)))
    return sections + _pictures(values, prefix, kernel, layout)


def _op_table(node: Node, rop: RecordedOp | None, position: tuple | None) -> list:
    op = node.op
    # the symbol beside the name, when the graph draws one ('@' of '@ matmul'; conv2d's
    # 'conv' is not drawn: the row said so)
    shown = drawn_title(op.label, op.name) != op.name
    rows = [["op", op.name]] + ([["drawn as", op.label]] if shown else [])
    rows += [["kind", op.kind], ["phase", node.phase], ["layer path", node.scope or "(none)"]]
    if position is not None:   # in the words alerts, errors and notes use
        rows.append(["position", op_place(*position)])
    elif rop is not None:
        rows.append(["position", op_place(rop.index, of="its step")])
    if rop is not None:
        rows += [["duration", f"{rop.duration * 1e3:.3g} ms"],
                 ["on a tape", "yes" if rop.taped else "no"]]
    if node.params:
        rows.append(["called with", called_with(node.params)])
    return rows


def called_with(params: dict) -> str:
    """An op's settings as the call wrote them, 'transpose_a=False, transpose_b=True'.

    >>> called_with({"padding": "VALID", "strides": [1, 2, 2, 1]})
    "padding='VALID', strides=[1, 2, 2, 1]"
    """
    return ", ".join(f"{key}={_short(value)}" for key, value in params.items())


def _source_section(source) -> list:
    if source is None:
        return []
    code = source.statement.replace("\n", "\n    ")
    # "source": code lines that keep their form (a wrapped line restarted at column 0)
    return [_section("Source", "source", f"{source}\n    {code}" if code else str(source))]


def input_name(node: Node, i: int) -> str:
    """The op's name for its input `i` ('x', 'filters'), else 'input i'."""
    return op_inputs.input_names(node.op, i + 1)[i]


def input_makers(graph, node, holder: str = "the tape") -> dict:
    """id(input) -> 'subtract, op 4 of the tape' for each input of the dispatch `node` that an
    op node of `graph` made, placed as op_place places it in `holder` (the Inputs table's
    "from" column; 'n3 subtract' named a node by an id drawn nowhere); 'variable w', or
    'input images' for a data box drawn by the user's name (the strip's 'grad input (from
    input images)'); an input that is none of these is a constant. Empty for a graph made of
    GraphNodes by hand."""
    if node is None:
        return {}
    table = graph.table()
    made_by = table.made_by
    if made_by is None:
        return {}
    makers, drawn = {}, table.variable_names()
    variable = words_of([node.op])["variable"]
    for tensor in node.inputs:
        ordinal = made_by.get(id(tensor))
        if ordinal is not None:
            maker = table.node(int(table.op_position[ordinal]))
            makers[id(tensor)] = f"{maker.op}, {op_place(int(maker.id[1:]), of=holder)}"
        elif type(tensor) is VariableRead and id(tensor.variable) in drawn:
            makers[id(tensor)] = f"{variable} {drawn[id(tensor.variable)]}"
        elif id(tensor) in table.gradient_ids:   # as its box says (table.leaf_word)
            makers[id(tensor)] = "gradient"
        elif id(tensor) in table.leaf_by_object:   # a data box drawn by the user's name
            leaf = table.node(int(table.leaf_position[table.leaf_by_object[id(tensor)]]))
            if leaf.label not in LEAF_NOUNS:
                makers[id(tensor)] = f"input {leaf.label}"
    return makers


def _producer(node: Node, i: int, names: dict) -> str:
    """The node that made input `i`, the variable it reads, or, for a value no op on the tape
    made, 'input' (the batch, a tensor made before the tape) or 'constant' (a number the
    line wrote), as leaves.leaf_word says."""
    tensor = node.inputs[i]
    known = names.get(id(tensor)) or names.get(node.input_ids[i])
    if known:
        return known
    if isinstance(tensor, VariableRead):
        return f"{words_of([tensor])['variable']} {variable_name(tensor.variable)}"
    return LEAF_NOUNS[leaf_word(tensor, node)]


def _input_sections(node: Node, names: dict) -> list:
    """A row per input: its name with what the user's line wrote for it ('a = h'), what
    made it, its value."""
    labels = op_inputs.input_labels(node.op, node.source, len(node.inputs), node.phase)
    rows = [["input", "from", "value"]]
    for i, tensor in enumerate(node.inputs):
        rows.append([labels[i], _producer(node, i, names), summarize(tensor)])
    return [_section("Inputs", "table", rows)] if node.inputs else []


def users_name(node: Node, i: int, names: dict) -> str:
    """Input `i` of `node` as the user's code calls it: what its line passed ('x'), the name
    its box is drawn by (`names`' 'input images', 'variable conv2d/kernel': 'images',
    'conv2d/kernel'), else the op's name for it ('filters'), as a picture's title says it."""
    if node.phase == "forward":
        written = op_inputs.written_arguments(node.op, node.source, len(node.inputs))[i]
        if written:
            return written
    tensor = node.inputs[i]
    word, _, drawn = (names.get(id(tensor)) or names.get(node.input_ids[i]) or "").partition(" ")
    if drawn and word in ("input", words_of([node.op])["variable"]):
        return drawn
    if isinstance(tensor, VariableRead):
        return variable_name(tensor.variable)
    return input_name(node, i)


def _input_grad_sections(node: Node, input_grads, names: dict) -> list:
    """A summary row per input, and pictures where a user learns from them: the saliency
    map of an NHWC image input, a conv filter's gradient, a 2-D input's gradient, each
    titled by the input's name in the user's code (`users_name`; 'w.r.t. input' said the
    op's name where the code's was `images`)."""
    rows = [["input", "d target / d input"]]
    pictures = []
    layout = _layout(node.op)
    for i, grad in enumerate(input_grads):
        values = _array(grad)
        rows.append([input_name(node, i),
                     NO_INPUT_GRADIENT if values is None else summarize(values)])
        if values is None or not _numeric(values) or len(pictures) >= 4:
            continue
        name = users_name(node, i, names)
        if node.op.name == "conv2d" and i == 1:
            pictures += _pictures(values, f"Gradient w.r.t. {name}: ", kernel=True, layout=layout)
            continue
        values = _channels_last(values, layout, kernel=False)
        if values.ndim == 4 and values.shape[3] in (1, 3):
            saliency = np.abs(values[:MAX_TILES].astype(np.float64)).max(axis=3, keepdims=True)
            pictures.append(_section(
                f"Gradient w.r.t. {name} (saliency: |gradient|, max over channels)", "img",
                image.image_grid(saliency, max_size=PICTURE_SIDE)))
        elif values.ndim == 2:
            pictures += _pictures(values, f"Gradient w.r.t. {name}: ")
    return [_section("Input gradients", "table", rows)] + pictures


def _leaf_table(tensor, label: str | None) -> tuple:
    """(title, rows) of a tensor that no op on the tape made; a variable by `label`, the name
    the graph draws it by (else variable_names.shown_name), and by its full name ('w:0'); a
    torch parameter in torch's words; else what its graph box `label` says it is (an input,
    a constant), by its shape when no graph drew it."""
    what = purpose(tensor)
    if isinstance(tensor, VariableRead):
        tensor = tensor.variable
    if isinstance(tensor, Variable):
        name, words = label or variable_name(tensor), words_of([tensor])
        rows = [["kind", words["variable"]], ["name", name]] + ([["what", what]] if what else [])
        if tensor.name != name:
            rows.append(["TF name" if type(tensor) is Variable else "full name", tensor.name])
        return f"{words['variable']} {name}", rows + [[words["trainable"], str(tensor.trainable)]]
    if label and label not in LEAF_NOUNS:   # an input by the user's name (leaves.leaf_label)
        return f"input {label}", [["kind", "input"], ["name", label]]
    word = LEAF_NOUNS.get(label) or ("input" if np.ndim(tensor._value) else "constant")
    return word, [["kind", word]]


def _title(head: str, values: np.ndarray) -> str:
    """'matmul → float32[2, 2]'; a 0-D value reads 'float32 scalar', as the graph labels it."""
    shape = " scalar" if values.ndim == 0 else str(list(values.shape))
    return f"{head} → {shown_name(values.dtype)}{shape}"


def inspect_node(node, grad=None, input_grads=None, *, names: dict | None = None,
                 grad_note: str | None = None, position: tuple | None = None,
                 leaf_layout: str = "NHWC") -> dict:
    """The inspector payload of a node: `{"id", "title", "sections": [...]}`, JSON-ready.

    `node`: a dispatch Node, a RecordedOp (its gradient is used when `grad` is None), a
    BackwardStep (its upstream gradient and input gradients), a Tensor or Variable, or a
    viz GraphNode whose `.ref` holds one. `grad`: d(target)/d(output). `input_grads`:
    one gradient (or None) per input. `names`: id(tensor) -> label of the node that made
    it, for the Inputs table. `grad_note`: the Gradient section's text when there is no
    gradient (e.g. "not computed yet"). `position`: (index, total, what holds it) of the op
    among its source's ops (op_place's arguments). `leaf_layout`: the layout of a constant's
    4-D values, its engine's ("NCHW" in a torch program: its images were drawn as 8 one-row
    feature maps).

    >>> import tapeviz as tf
    >>> x = tf.Variable([[1.0, -2.0], [3.0, 4.0]], name="x")
    >>> with tf.GradientTape() as tape:
    ...     y = tf.matmul(x, x)
    >>> payload = inspect_node(tape.nodes[0])
    >>> payload["title"], [s["title"] for s in payload["sections"]][:3]
    ('matmul → float32[2, 2]', ['Source', 'Op', 'Output'])
    """
    names = names or {}
    node_id, ref, label = "", node, None
    if hasattr(node, "ref") and not isinstance(node, Tensor):  # a viz GraphNode
        node_id, ref, label = str(node.id), node.ref, node.label
        if getattr(node, "read", None) is not None:   # a variable as the shown step read it
            ref = node.read
        if isinstance(ref, OpError):  # the op a cell failed at
            return failed_payload(node_id, ref, caught=node.kind == "caught")
        if ref is None:  # a collapsed group: no values of its own
            rows = [["kind", str(node.kind)], ["layer path", str(node.scope)],
                    ["nodes inside", str(len(node.members))]]
            return {"id": node_id, "title": str(node.label),
                    "sections": [_section("Group", "table", rows)]}
    if hasattr(ref, "upstream") and hasattr(ref, "input_grads"):  # a BackwardStep
        grad = ref.upstream if grad is None else grad
        input_grads = ref.input_grads if input_grads is None else input_grads
        ref = ref.node
    rop = None
    if isinstance(ref, RecordedOp):
        rop, ref = ref, ref.node
        grad = rop.grad if grad is None else grad
    if isinstance(ref, Node):
        output = _array(ref.output)
        kernel = ref.op.name == "conv2d_backprop_filter"   # its output is an HWIO kernel
        layout = _layout(ref.op)
        # the user's line first: with the title (the op) and the output it is what a person
        # looks for, and it stays in view above the op's details
        sections = _source_section(ref.source)
        sections.append(_section("Op", "table", _op_table(ref, rop, position)))
        sections += _value_sections(output, "Output", kernel, layout)
        if ref.op.name == "conv2d" and len(ref.inputs) > 1:   # 'Kernel input' read as jargon
            sections += _pictures(_array(ref.inputs[1]), f"Weights {users_name(ref, 1, names)}: ",
                                  kernel=True, layout=layout)
        title = _title(ref.op.name, output)
    elif isinstance(ref, Tensor):
        output = _array(ref)
        head, rows = _leaf_table(ref, label)
        # a 4-D variable is a conv kernel (activations are never variables)
        kernel = isinstance(ref, (Variable, VariableRead)) and output.ndim == 4
        layout = getattr(getattr(ref, "variable", ref), "layout", leaf_layout)
        sections = [_section("Tensor", "table", rows)] + _value_sections(output, "Output", kernel,
                                                                          layout)
        title = _title(head, output)
    else:
        raise TypeError(f"inspect_node: expected a Node, RecordedOp, BackwardStep, Tensor or "
                        f"GraphNode; got {type(ref).__name__}")
    if grad is not None:
        sections += _value_sections(_array(grad), "Gradient", kernel, layout)
    elif grad_note is not None:
        sections.append(_section("Gradient", "text", grad_note))
    if isinstance(ref, Node):
        sections += _input_sections(ref, names)
        if input_grads is not None:
            sections += _input_grad_sections(ref, input_grads, names)
    return {"id": node_id, "title": title, "sections": sections}


__all__ = ["NO_INPUT_GRADIENT", "input_makers", "input_name", "inspect_node", "users_name"]
