"""The tape widget's program-bug alert on a PyTorch training loop, as a person sees it in
JupyterLab: gradient ascent by `w += lr * w.grad` in a hand-written torch loop recorded by a
Recorder names the variable, the figures, the cell's own line and the fix in torch's words on
a line of its own, reads at WCAG contrast 4.5, and a click selects and inspects the update
op it names (`add_`). The screenshot goes to tests/browser/artifacts/ as
lab-torch-gradient-ascent-alert-light.png. Needs torch (skipped, naming the install command,
where it is missing).
"""
import pytest

from .harness import notebook_page
from .alert_checks import check_alert_reads_and_inspects
from .test_widgets import WIDGET, wait_until

pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')

ASCENT_CELLS = [
    """
import torch
import tapeviz.torch
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget
x = torch.randn(32, 3, generator=torch.Generator().manual_seed(0))
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
w = torch.zeros(3, 1, requires_grad=True)
with Recorder() as rec:
    for step in range(6):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w += 0.05 * w.grad   # the sign error
            w.grad.zero_()
TapeWidget(rec)
""",
]


@pytest.mark.browser
def test_a_torch_loops_gradient_ascent_alert_names_the_update_and_torchs_fix(tmp_path, browser):
    with notebook_page(browser, tmp_path / "torch_ascent.ipynb", ASCENT_CELLS,
                       theme="light") as page:
        widget = page.output(WIDGET).first
        alert = widget.locator(".tv-alerts .tv-alert-gradient_ascent")
        wait_until(page, lambda: alert.count() == 1 and alert.is_visible(),
                   "the gradient ascent alert")
        text = alert.text_content()
        assert text.startswith("gradient ascent: the updates move w along the gradient, "
                               "uphill (update · gradient > 0 in 6 of 6 steps)"), text
        assert "add_ at Cell In[1], line 13: w += 0.05 * w.grad" in text, text
        assert widget.locator(".tv-alerts .tv-alert").count() == 1
        # the graph draws the tensor by the name the alert and the code give it
        drawn = widget.locator("svg .node text").all_text_contents()
        assert "w" in drawn and not any("leaf" in label for label in drawn), drawn
        check_alert_reads_and_inspects(
            page, browser, widget, alert, "light", op="add_",
            fix="fix: subtract the step: w -= lr * w.grad (inside torch.no_grad())",
            shot="torch-gradient-ascent-alert-light")
