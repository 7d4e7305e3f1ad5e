"""Three things a newcomer walking notebooks 02-04 met with no word, in JupyterLab's light
and dark themes: an op whose error the code caught inside the tape's block is drawn where it
happened, 'raised, caught', with an amber alert that says the tape recorded on (it left no
mark); a torch subscript's index tensors are drawn by the names the line wrote (two boxes said
'input (32,)'); an optimizer's step counter box says it is one on its face and in its
tooltip ('SGD/iter' alone before), and on an earlier step the count that step read (each
step said the count now).
Screenshots: tests/browser/artifacts/lab-marks-<theme>-<what>.png.
"""
import pytest

from .harness import notebook_page
from .test_widgets import WIDGET, check_clean, click_node, inspector_title, node, wait_until

pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')

CELLS = ["""
import tapeviz as tf
from tapeviz.viz import TapeWidget
x = tf.Variable([1.0, 2.0], name="x")
with tf.GradientTape() as tape:
    doubled = x * 2.0
    try:
        tf.matmul(doubled, doubled)
    except tf.errors.InvalidArgumentError:
        pass
    total = tf.reduce_sum(doubled)
TapeWidget(tape)
""", """
import torch
import tapeviz.torch as tvt
torch.manual_seed(0)
probs = torch.softmax(torch.randn(32, 10, requires_grad=True), dim=1)
labels = torch.randint(0, 10, (32,))
with tvt.record() as picked_tape:
    picked = probs[torch.arange(len(labels)), labels]
    picked.sum().backward()
TapeWidget(picked_tape)
""", """
from tapeviz.debugger import Recorder
w = tf.Variable(2.0, name="w")
optimizer = tf.keras.optimizers.SGD(0.01)
with Recorder() as rec:
    for _ in range(3):
        with tf.GradientTape() as step_tape:
            loss = (w * 3.0 - 1.0) ** 2
        optimizer.apply_gradients(zip(step_tape.gradient(loss, [w]), [w]))
TapeWidget(rec)
"""]


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_caught_error_named_indices_and_the_step_counter_in_lab(theme, tmp_path, browser):
    with notebook_page(browser, tmp_path / "marks.ipynb", CELLS, theme=theme) as page:
        caught, picked, trained = (page.output(WIDGET).nth(i) for i in range(3))
        failed = node(caught, "failed")
        failed.wait_for()
        assert failed.get_attribute("class").split() == ["node", "kind-caught"]
        assert failed.locator("text").first.text_content() == "✗ matmul raised, caught"
        alert = caught.locator(".tv-alert-caught")
        said = alert.text_content()
        assert said.startswith("caught: matmul raised at Cell In["), said
        assert "your code caught it; the tape recorded on" in said
        assert not caught.locator(".tv-alert-error").count()   # no claim that the tape failed
        click_node(page, caught, "failed")
        wait_until(page, lambda: inspector_title(caught) == "matmul raised, caught: ShapeError",
                   "the caught op's inspector")
        page.screenshot(caught, f"marks-{theme}-caught")

        node(picked, "n0").wait_for()
        boxes = picked.locator(".tv-graph svg g.node.kind-constant text").all_text_contents()
        assert {"probs", "torch.arange(len(labels))", "labels"} <= set(boxes), boxes
        page.screenshot(picked, f"marks-{theme}-getitem")

        counter = trained.locator(".tv-graph svg g.node.kind-variable",
                                  has_text="SGD/iter")
        counter.wait_for()
        assert counter.locator("text").all_text_contents() == ["SGD/iter", "step count 2"]
        tooltip = counter.locator("title, a").evaluate_all(
            "els => els.map(e => e.getAttribute('xlink:title') || e.textContent).join('|')")
        assert "the SGD optimizer's step count, 2 when this step read it" in tooltip, tooltip
        page.screenshot(trained, f"marks-{theme}-counter")
        # step 1 of 3: the count it read, 0 (every step said 'step count 3', the count now)
        trained.locator(".tv-slider").evaluate(
            "s => { s.value = '0'; s.dispatchEvent(new Event('change')); }")
        wait_until(page, lambda: trained.locator(".tv-title").text_content().startswith(
            "step 1 of 3: "), "step 1 shown")
        wait_until(page, lambda: counter.locator("text").all_text_contents() == [
            "SGD/iter", "step count 0"], "step 1's count")
        page.screenshot(trained, f"marks-{theme}-counter-step1")
        check_clean(page, browser)
