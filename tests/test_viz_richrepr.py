"""What a notebook shows for a tape, a recording, a stepper or a tensor that is a cell's value:
static HTML that reads without a widget or a kernel. The engine has no `_repr_html_`:
`tapeviz.ipython.display` registers the drawing with IPython's HTML formatter, when tapeviz
is imported inside IPython and at `%load_ext tapeviz`."""
import subprocess
import sys
import textwrap

import pytest

import tapeviz as tf
from tapeviz.debugger import BackwardStepper, Recorder

pytest.importorskip("anywidget")
pytest.importorskip("IPython")
from IPython.testing import globalipapp  # noqa: E402

from tapeviz.ipython.display import register_html_display  # noqa: E402
from tapeviz.viz.render import find_layout_binary  # noqa: E402

if find_layout_binary() is None:
    pytest.skip("no Graphviz layout binary: pip install graphviz-pure==0.2.2",
                allow_module_level=True)


@pytest.fixture(scope="module")
def html_of():
    """What IPython's HTML formatter makes of an object (None: the plain repr shows)."""
    formatter = globalipapp.get_ipython().display_formatter.formatters["text/html"]
    register_html_display(globalipapp.get_ipython())
    enabled, formatter.enabled = formatter.enabled, True   # as in a kernel, not a terminal
    yield formatter
    formatter.enabled = enabled


def recorded():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="kernel")
    with Recorder() as rec:
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.reduce_sum(tf.square(w))
        tape.gradient(loss, w)
    return w, loss, tape, rec


def test_tapes_recordings_and_steppers_show_their_graph_as_svg(html_of):
    w, loss, tape, rec = recorded()
    for obj in (tape, rec, rec.last_step, BackwardStepper(tape, loss, [w])):
        page = html_of(obj)
        assert page.startswith('<div class="tapeviz-static">') and "<svg" in page
        assert 'id="n0"' in page and ">kernel<" in page   # as the code named it, no ':0'


def test_a_consumed_tape_falls_back_to_its_text_repr(html_of):
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * w
    tape.gradient(loss, w)
    assert html_of(tape) is None       # IPython then shows repr(tape)


def test_a_matrix_shows_its_values_summary_and_heatmap(html_of):
    page = html_of(tf.constant([[1.0, -2.0], [3.0, 4.0]]))
    assert "shape=(2, 2), dtype=float32" in page
    assert "min -2 max 4" in page and "data:image/png;base64," in page
    scalar = html_of(tf.constant(3))
    assert "numpy=3" in scalar and "<img" not in scalar


def test_markup_in_a_name_stays_text(html_of):
    w = tf.Variable(1.0, name="<b>bold</b>")
    assert "<b>bold" not in html_of(w) and "&lt;b&gt;bold" in html_of(w)


def test_the_engine_classes_have_no_html_method_of_their_own():
    w, loss, tape, rec = recorded()
    for obj in (w, loss, tape, rec, rec.last_step, BackwardStepper(tape, loss, [w])):
        assert not hasattr(obj, "_repr_html_"), type(obj)


def test_importing_tapeviz_inside_ipython_registers_the_display_and_no_widgets_load():
    code = textwrap.dedent("""\
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        import tapeviz as tf
        print("tapeviz.viz.richrepr" in sys.modules, "anywidget" in sys.modules)
        page = shell.display_formatter.formatters["text/html"].lookup(tf.ones([2, 2]))
        print("heatmap" in page(tf.ones([2, 2])), "tapeviz.viz.richrepr" in sys.modules,
              "anywidget" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True", "True", "False"]


def test_a_notebook_that_only_imports_tapeviz_shows_each_object_drawn(tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from browser.jupyter_server import execute_cells

    cells = ["import tapeviz as tf\nfrom tapeviz.debugger import BackwardStepper, Recorder\n"
             "w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name='kernel')\n"
             "with Recorder() as rec:\n"
             "    with tf.GradientTape(persistent=True) as tape:\n"
             "        loss = tf.reduce_sum(tf.square(w))\n"
             "    tape.gradient(loss, w)",
             "w", "tape", "rec", "rec.last_step", "BackwardStepper(tape, loss, [w])"]
    nb = execute_cells(tmp_path, cells)
    shown = [cell.outputs[0]["data"] for cell in nb.cells[1:]]
    assert "heatmap" in shown[0]["text/html"] and "kernel:0" in shown[0]["text/plain"]
    for data in shown[1:]:
        assert data["text/html"].startswith('<div class="tapeviz-static">'), data["text/plain"]
        assert "<svg" in data["text/html"]


def test_a_tape_widget_displays_after_a_twin_a_saved_notebook_keeps(kernel_shell):
    """The twin (tapeviz.viz.saved) carries the graph as an image and an image/svg+xml copy;
    its script holds the HTML export and cannot be ended early by it; the widget's own
    output then carries no second HTML copy for nbconvert to show."""
    import base64
    import re

    from tapeviz.viz.widget import TapeWidget
    shell = kernel_shell
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        tf.reduce_sum(tf.square(tf.matmul([[3.0, 4.0]], w)))
    widget = TapeWidget(tape)
    published = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shell.display_pub, "publish",
                      lambda data, metadata=None, **kw: published.append(data))
        shell.display_formatter.format(widget)   # what a cell's value goes through
    assert len(published) == 2
    twin, live = published
    assert set(live) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert twin["image/svg+xml"] == widget.svg
    markup = twin["text/html"]
    assert markup.startswith('<div class="tapeviz-saved" id="tapeviz-saved-')
    image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', markup)
    drawn = base64.b64decode(image.group(1)).decode()   # the same SVG, on white
    assert drawn.replace('<rect width="100%" height="100%" fill="#ffffff"/>', "", 1) == widget.svg
    assert image.group(2) == widget.title == "persistent tape: 3 ops"
    assert markup.count("<script") == 1 and markup.count("</script") == 1
    assert markup.endswith("</script></div>")
    # the export rides inside the script as a string: no inline SVG whose ids could collide
    assert "tapeviz-data" in markup and "<svg" not in markup


def test_a_tape_widget_whose_saved_copy_fails_still_displays_and_says_so(monkeypatch,
                                                                         kernel_shell):
    from tapeviz.viz.widget import TapeWidget
    shell = kernel_shell
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape(persistent=True) as tape:
        tf.square(w)
    widget = TapeWidget(tape)

    def broken():
        raise RuntimeError("export broke")
    monkeypatch.setattr(widget, "to_html", broken)
    published = []
    monkeypatch.setattr(shell.display_pub, "publish",
                        lambda data, metadata=None, **kw: published.append(data))
    shell.display_formatter.format(widget)
    note, live = published
    assert note == {"text/plain": "tapeviz: no saved copy of this graph (RuntimeError: export "
                                  "broke); a saved notebook will not show it"}
    assert "application/vnd.jupyter.widget-view+json" in live
