"""The TapeWidget on random tapes, driven by random clicks: it never raises, and what it draws
stays coherent (issue 13: a level of one op index made reveal() recurse without end).

Tapes: random name scopes and nesting, blocks repeated under numbered scopes (the ×N boxes),
fan-in (stack), fan-out and reused inputs (x * x), from one op to a few hundred,
persistent or not, differentiated before the widget opens or not, or recorded by a Recorder
over several steps (the slider). Clicks: toggle, select, the inspector's collapse, Step,
Continue, Reset (the widget's way back from stepping: it has no single step back), the
slider, reveal. Derandomized: a failure reproduces on the next run, and hypothesis prints
the smallest tape and clicks that fail.
"""
import html
import re
from contextlib import ExitStack

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import tapeviz as tf
from tapeviz.debugger import Recorder

pytest.importorskip("anywidget")
from tapeviz.viz.dot import to_dot  # noqa: E402
from tapeviz.viz.panel import shade  # noqa: E402
from tapeviz.viz.render import find_layout_binary  # noqa: E402
from tapeviz.viz.widget import TapeWidget  # noqa: E402

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)

UNARY = {"tanh": tf.tanh, "square": tf.square, "relu": tf.nn.relu, "sigmoid": tf.sigmoid,
         "negative": tf.negative}
BINARY = {"add": tf.add, "multiply": tf.multiply, "subtract": tf.subtract}
SCOPE_NAMES = ("a", "b", "layer")

picks = st.integers(0, 1000)   # which tensor of those made so far (modulo their number)
scope_paths = st.lists(st.sampled_from(SCOPE_NAMES), max_size=3)
ops = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), picks),
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), picks, picks),
    st.tuples(st.just("scalar"), st.sampled_from(sorted(BINARY)), picks,
              st.sampled_from((0.5, 2.0, -1.0))),
    st.tuples(st.just("fan_in"), st.lists(picks, min_size=2, max_size=6)),
)
pieces = st.one_of(
    st.tuples(st.just("ops"), scope_paths, st.lists(ops, min_size=1, max_size=6)),
    # a block copied under numbered scopes: block0, block1, ... (Keras's dense, dense_1)
    st.tuples(st.just("blocks"), scope_paths, st.integers(2, 60),
              st.lists(ops, min_size=1, max_size=4)),
    # one op reading many new constants: a level whose entries share one op index
    st.tuples(st.just("stack"), scope_paths, st.integers(2, 120), picks),
)
programs = st.fixed_dictionaries({
    "variables": st.integers(1, 3),
    "pieces": st.lists(pieces, min_size=1, max_size=6),
    "source": st.sampled_from(("tape", "persistent tape", "differentiated tape", "recorder")),
    "max_nodes": st.one_of(st.integers(2, 12), st.integers(13, 60), st.just(300)),
})
clicks = st.lists(st.tuples(
    st.sampled_from(("toggle", "toggle back", "click", "select", "collapse", "step",
                     "continue", "reset", "slider", "reveal")),
    st.integers(0, 10_000)), max_size=10)


def _run(program, variables) -> tf.Tensor:
    """The program's ops on `variables`; returns the scalar it ends with."""
    made = list(variables)

    def pick(i):
        return made[i % len(made)]

    def apply(op):
        kind = op[0]
        if kind == "unary":
            return UNARY[op[1]](pick(op[2]))
        if kind == "binary":
            return BINARY[op[1]](pick(op[2]), pick(op[3]))   # equal picks: x * x
        if kind == "scalar":
            return BINARY[op[1]](pick(op[2]), op[3])
        return tf.reduce_sum(tf.stack([pick(i) for i in op[1]]), axis=0)

    for piece in program["pieces"]:
        with ExitStack() as scopes:
            for name in piece[1]:
                scopes.enter_context(tf.name_scope(name))
            if piece[0] == "ops":
                made.extend(apply(op) for op in piece[2])
            elif piece[0] == "blocks":
                for copy in range(piece[2]):
                    with tf.name_scope(f"block{copy}"):
                        made.extend(apply(op) for op in piece[3])
            else:
                constants = [tf.constant([float(i), 1.0]) for i in range(piece[2])]
                made.append(tf.reduce_sum(tf.stack([pick(piece[3])] + constants), axis=0))
    return tf.reduce_sum(made[-1])


def _source(program):
    # names of their own: a name made hundreds of times is numbered (w1_78), and other tests
    # read messages that name their w1
    variables = [tf.Variable([0.5 * (i + 1), -0.25], name=f"property_w{i}")
                 for i in range(program["variables"])]
    kind = program["source"]
    if kind == "recorder":
        with Recorder() as recorder:
            for _ in range(3):
                with tf.GradientTape() as tape:
                    loss = _run(program, variables)
                tape.gradient(loss, variables)
        return recorder
    with tf.GradientTape(persistent=kind != "tape") as tape:
        loss = _run(program, variables)
    if kind == "differentiated tape":
        tape.gradient(loss, variables)
    return tape


def svg_node_ids(svg: str) -> set:
    return set(map(html.unescape, re.findall(r'<g id="([^"]+)" class="node[ "]', svg)))


def _pick(ids, number):
    ids = sorted(ids)
    return ids[number % len(ids)] if ids else ""


def check_view(widget) -> None:
    """What any state of the widget must hold."""
    assert widget.error == "", widget.error
    view, graph = widget.view, widget.graph
    assert svg_node_ids(widget.svg) == set(view.nodes)
    for edge in view.edges:
        assert edge.src in view.nodes and edge.dst in view.nodes, edge
    assert widget.highlight == "" or widget.highlight in view.nodes
    if widget.highlight:   # it shows the node of the last VJP, itself or in its group
        assert view.visible_id(widget.stepper["node"]) == widget.highlight
    # each level holds at most max_nodes boxes: the root and each group opened
    assert len(graph.collapse(frozenset(), widget.max_nodes).nodes) <= widget.max_nodes
    assert len(view.nodes) <= widget.max_nodes * (1 + len(widget._expanded))
    # every node of the graph is drawn, itself or inside the one box that shows it
    shown = {node_id: view.visible_id(node_id) for node_id in graph.nodes}
    assert set(shown.values()) == set(view.nodes)
    for node_id in sorted(view.nodes)[:8]:   # "Collapse its group" closes the innermost
        assert widget._opened_group_of(node_id) == innermost_opened(widget, node_id)
    scene, stepper = widget._scene, widget._stepper
    if stepper is not None and not (scene.tape is not None and scene.tape.freed):
        # a Step shades what it changed in place: the drawing a rebuild would make
        fresh = scene.graph(stepper.grads)
        if scene.step is not None:
            shade(fresh, stepper.grads)
        assert to_dot(fresh.collapse(frozenset(widget._expanded), widget.max_nodes)) == \
            to_dot(view)


def innermost_opened(widget, node_id: str):
    """The smallest opened group whose closing hides `node_id`, by collapsing without each."""
    found = []
    for gid in widget._expanded:
        view = widget.graph.collapse(frozenset(widget._expanded - {gid}), widget.max_nodes)
        if view.visible_id(node_id) == gid:
            found.append((len(view.nodes[gid].members), gid))
    return min(found)[1] if found else None


def click(widget, action: str, number: int) -> None:
    view, graph = widget.view, widget.graph
    if action == "toggle":   # mostly what is drawn; sometimes a node hidden in a group
        node_id = _pick(view.nodes if number % 4 else graph.nodes, number // 4)
        widget._on_message(widget, {"action": "toggle", "node": node_id}, [])
    elif action == "toggle back":
        toggle_back(widget, number)
    elif action in ("click", "select"):   # a click in the graph; an alert naming any node
        node_id = _pick(view.nodes if action == "click" else graph.nodes, number)
        group = view.nodes.get(node_id)
        widget.selected = node_id
        if group is not None and group.kind == "group":   # a click on a group opens it
            assert widget.selected == "" and node_id not in widget.view.nodes
            opened_into(widget.view, group)
        else:
            assert widget.selected == node_id and node_id in widget.view.nodes
            assert widget.inspector["id"] == node_id
    elif action == "slider":
        widget.step_index = number % widget.step_count
        assert widget.title.startswith(
            widget.step_labels[widget.step_index] if widget.step_labels else "")
    elif action == "reveal":
        node_id = _pick(graph.nodes, number)
        if node_id:
            opened = graph.reveal(node_id, widget._expanded, widget.max_nodes)
            assert node_id in graph.collapse(opened, widget.max_nodes).nodes
    else:   # the toolbar's and the inspector's buttons, as the browser sends them
        widget._on_message(widget, {"action": action}, [])


def opened_into(view, group) -> None:
    """Each member of an opened `group` is drawn by itself or by a smaller box (or a range
    of blocks by the one ×N box they make): opening never shows the same group again."""
    for member in group.members:
        shown = view.nodes[view.visible_id(member)]
        assert shown.id == member or len(shown.members) < len(group.members) or (
            shown.repeat > 1 and group.repeat == 1), (group, shown)


def toggle_back(widget, number: int) -> None:
    """Open a group, then collapse it from a node it showed: the view is as before."""
    before, expanded = list(widget.view.nodes), set(widget._expanded)
    group = _pick([i for i, n in widget.view.nodes.items() if n.kind == "group"], number)
    if not group:
        return
    box = widget.view.nodes[group]
    widget.toggle(group)
    assert group not in widget.view.nodes
    opened_into(widget.view, box)
    inside = _pick([i for i, n in widget.view.nodes.items()
                    if i not in before and n.kind != "group"], number)
    if not inside:   # it opened to groups only: a click on one would open it
        return
    widget.toggle(inside)
    closed = (expanded | {group}) - set(widget._expanded)
    assert inside not in widget.view.nodes
    if closed == {group}:   # a group opened before, inside it, closes first otherwise
        assert list(widget.view.nodes) == before


@settings(max_examples=150, deadline=None, derandomize=True, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs, actions=clicks)
def test_random_tapes_and_clicks_never_break_the_widget(program, actions):
    source = _source(program)
    widget = TapeWidget(source, max_nodes=program["max_nodes"])
    check_view(widget)
    event("opens collapsed" if widget.view is not widget.graph else "opens whole")
    for action, number in actions:
        click(widget, action, number)
        check_view(widget)
    event(f"{len(widget._expanded)} groups open at the end")
    event("stepped" if widget.stepper else "not stepped at the end")
