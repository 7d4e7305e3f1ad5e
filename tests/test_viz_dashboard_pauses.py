"""The Dashboard paused: its tape drawn with the pause point outlined as the tape widget
outlines its step, after an update (the variable it wrote named), inside a VJP (its forward
node, moved without a relayout)."""
import dashboard_loops
import pytest
from dashboard_loops import T, cnn_loop, scalar_loop, small_cnn, wait_until

import tapeviz as tf

dashboards = dashboard_loops.dashboards   # the fixture its tests take


def test_paused_tape_is_drawn_with_the_pause_point(dashboards, keras_session):
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    model = small_cnn()
    dash = dashboards(max_rate=50.0)
    runner = dash.train(cnn_loop, model, 1000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    assert wait_until(lambda: dash.state == "paused" and dash.svg.startswith("<svg"))
    for _ in range(2000):  # the pause may land in Adam's untaped update: step to a taped op
        if any(node is runner.paused_at.node for node in dash._ops):
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached the next forward pass")
    assert wait_until(lambda: "so far" in dash.tape_title and dash.highlight), \
        (dash.tape_title, dash.error)
    assert f'id="{dash.highlight}"' in dash.svg
    assert dash.error == ""
    runner.stop()


def test_a_pause_after_an_update_outlines_the_variable_it_wrote(dashboards):
    """The tape draws no update op: a pause after `w.assign_sub(...)` outlined nothing while
    the status named the update; the variable it wrote, drawn, is outlined."""
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards(max_rate=50.0)
    runner = dash.train(scalar_loop, 100_000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    for _ in range(200):   # op by op to the update
        if getattr(runner.paused_at.node.op, "kind", "") == "update":
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached the update")
    dash.flush()
    assert dash.status.startswith("paused after the optimizer's update of w at ")
    assert wait_until(lambda: dash.highlight), (dash.tape_title, dash.error)
    drawn = re.search(rf'<g id="{dash.highlight}" class="node[^"]*">\s*<title>[^<]*</title>'
                      rf'\s*<g id="a_{dash.highlight}"><a xlink:title="([^"]+)"', dash.svg)
    assert drawn and drawn.group(1).startswith("variable w&#10;"), (dash.highlight, dash.svg)
    runner.stop()


def test_a_pause_inside_a_vjp_highlights_its_forward_node_and_moves_without_a_relayout(
        dashboards, monkeypatch):
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards(max_rate=50.0)
    runner = dash.train(scalar_loop, 100_000)
    assert wait_until(lambda: runner.step_count >= 2)
    runner.pause()
    assert runner.wait_paused(T)
    for _ in range(200):   # op by op into the backward pass: an op run by multiply's VJP
        point = runner.paused_at
        if point.node.phase == "backward" and point.vjp_of is not None:
            break
        runner.step_op()
        assert runner.wait_paused(T)
    else:
        pytest.fail("stepping op by op never reached an op inside a VJP")
    assert point.vjp_of.op.name == "multiply" and point.vjp_of.phase == "forward"
    assert point.forward_node is point.vjp_of

    # the tape names the step the counter is on, and outlines the node whose VJP runs
    assert wait_until(lambda: dash.highlight and dash.tape_title.startswith(
        f"step {dash.step_count + 1} so far")), (dash.tape_title, dash.step_count, dash.error)
    drawn = re.search(rf'<g id="{dash.highlight}" class="node[^"]*">\s*<title>[^<]*</title>'
                      rf'\s*<g id="a_{dash.highlight}"><a xlink:title="(\w+)', dash.svg)
    assert drawn and drawn.group(1) == "multiply", dash.svg[:400]

    # one op further in the same step: same structure, so no new layout; the outline is a
    # CSS class the front end moves
    layouts = []
    monkeypatch.setattr(render, "layout_svg", lambda dot: layouts.append(dot) or "<svg/>")
    runner.step_op()
    assert runner.wait_paused(T)
    dash.flush()
    assert layouts == [] and dash.svg.startswith("<svg ")
    assert dash.error == ""
    runner.stop()


def test_the_paused_node_is_outlined_as_the_tape_widget_outlines_its_step():
    """One colour for "where the loop is" across widgets: dashboard.css repeats tape.css's
    step highlight exactly."""
    import pathlib
    import re
    static = pathlib.Path(__file__).resolve().parents[1] / "tapeviz" / "viz" / "static"

    def highlight_rule(css, cls):
        found = re.search(rf"g\.node\.{cls} path\s*\{{([^}}]*)\}}", css)
        assert found, f"no {cls} rule"
        return sorted(part.strip() for part in found.group(1).split(";") if part.strip())

    tape = highlight_rule((static / "tape.css").read_text(), "tv-highlight")
    dash = highlight_rule((static / "dashboard.css").read_text(), "tvd-highlight")
    assert dash == tape and any(part.startswith("stroke:") for part in tape)


def test_a_pause_after_an_optimizer_update_names_the_variable_it_updated_not_its_op():
    from types import SimpleNamespace

    from tapeviz.debugger import Recorder
    from tapeviz.debugger.runner import PausePoint
    from tapeviz.viz.dashboard_status import _runner_status
    w = tf.Variable(1.0, name="w")
    optimizer = tf.keras.optimizers.Adam(0.1)
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = w * w
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
    nodes = [op.node for op in rec.last_step.ops]
    update = next(node for node in nodes if node.op.name == "adam_step")

    def status(node, labels):
        return _runner_status(SimpleNamespace(state="paused", paused_at=PausePoint("op", node)),
                              labels)
    where = update.source.location
    # 'adam_step' was said: an op name no line of the user's has
    assert status(update, {}) == f"paused after the optimizer's update of w at {where}"
    assert status(update, {w.name: "weights"}) == \
        f"paused after the optimizer's update of weights at {where}"   # as the legend says
    # the phase as breakpoints say it ('multiply at x.py:3 (forward)' said it after the line)
    assert status(nodes[0], {}) == \
        f"paused after multiply in the forward pass at {nodes[0].source.location}"
    vjp = SimpleNamespace(state="paused", paused_at=PausePoint("vjp", nodes[0]))
    assert _runner_status(vjp, {}) == \
        f"paused after the gradient through multiply in the backward pass at " \
        f"{nodes[0].source.location}"   # the Step gradient button's word: no VJP
