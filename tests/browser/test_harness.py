"""The browser harness itself: an anywidget click round trip in JupyterLab and Notebook 7, a
failing cell reported, and a screenshot of an output taller than Lab's panel taken whole."""
import sys
import time

import nbformat
import pytest

from .harness import notebook_page
from .jupyter_server import write_notebook

ECHO_WIDGET = '''
import sys
import anywidget
import traitlets

class Echo(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const button = document.createElement("button");
        button.className = "echo-press";
        button.textContent = "press";
        button.addEventListener("click", () => {
          model.set("clicks", model.get("clicks") + 1);
          model.save_changes();
        });
        const reply = document.createElement("span");
        reply.className = "echo-reply";
        const show = () => { reply.textContent = model.get("reply"); };
        model.on("change:reply", show);
        show();
        el.append(button, reply);
      }
    };
    """
    clicks = traitlets.Int(0).tag(sync=True)
    reply = traitlets.Unicode("waiting").tag(sync=True)

echo = Echo()
echo.observe(lambda change: setattr(echo, "reply", f"python saw {change['new']} clicks"),
             "clicks")
echo
'''


@pytest.fixture
def echo_notebook(tmp_path):
    return write_notebook(tmp_path / "echo.ipynb",
                          ["import sys, tapeviz\nprint('kernel:', sys.executable)", ECHO_WIDGET])


@pytest.mark.browser
@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_widget_click_round_trip(app, echo_notebook, jupyter_server, browser):
    start = time.monotonic()
    server = jupyter_server([echo_notebook], app=app)
    page = browser.open_notebook(server, "echo.ipynb")
    page.run_all()

    # the kernel is this venv's interpreter, so notebooks import the tapeviz under test
    page.output(f"text=kernel: {sys.executable}").wait_for()
    reply = page.wait_for_output(".echo-reply")
    assert reply.text_content() == "waiting"
    for clicks in (1, 2):
        page.click_output("button.echo-press")
        page.output(f".echo-reply:text-is('python saw {clicks} clicks')").wait_for(timeout=10_000)
    shot = page.screenshot(page.output(".echo-press").locator(".."), "echo")
    assert shot.stat().st_size > 0

    assert page.errors == []
    assert browser.blocked == [], "the page needed the network"
    print(f"{app}: {time.monotonic() - start:.1f} s")

    # the guard itself: a request off the loopback is aborted and recorded
    outcome = page.page.evaluate(
        "() => fetch('http://192.0.2.1/x').then(() => 'sent', () => 'aborted')")
    assert outcome == "aborted"
    assert browser.blocked == ["http://192.0.2.1/x"]


@pytest.mark.browser
def test_run_all_reports_the_failing_cell(tmp_path, jupyter_server, browser):
    nb = nbformat.v4.new_notebook()  # no kernelspec metadata: the default kernel starts anyway
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("x / 0"),
                nbformat.v4.new_code_cell("print('never runs')")]
    nbformat.write(nb, tmp_path / "fails.ipynb")
    page = browser.open_notebook(jupyter_server([tmp_path / "fails.ipynb"]), "fails.ipynb")
    with pytest.raises(AssertionError, match=r"cell 1: ZeroDivisionError: division by zero"):
        page.run_all()
    assert page.output("text=never runs").count() == 0


# an output 1400 px tall, red at its top and blue at its bottom: taller than Lab's panel
TALL_CELLS = ["""
from IPython.display import HTML
HTML('<div class="tall" style="height: 1400px; display: flex; flex-direction: column; '
     'justify-content: space-between"><div style="height: 24px; background: #ff0000"></div>'
     '<div style="height: 24px; background: #0000ff"></div></div>')
"""]


@pytest.mark.browser
def test_a_screenshot_shows_all_of_an_output_taller_than_labs_panel(tmp_path, browser):
    """Lab scrolls its notebook inside a panel under its toolbar: a shot of a taller output
    came out cut (lab-nb04-dashboard-finished.png lost its tape's bottom, lab-nb03-inspector.png
    its toolbar under Lab's). Now it shows the output's top and bottom, and the window is put
    back as it was."""
    from PIL import Image
    with notebook_page(browser, tmp_path / "tall.ipynb", TALL_CELLS) as page:
        tall = page.wait_for_output(".tall")
        assert page.lacks(tall) > 500   # the panel shows under 900 px of it
        size = page.page.viewport_size
        with Image.open(page.screenshot(tall, "harness-tall")) as shot:
            assert abs(shot.height - 1400) <= 2, shot.size
            top, bottom = shot.getpixel((10, 5))[:3], shot.getpixel((10, shot.height - 5))[:3]
        assert (top, bottom) == ((255, 0, 0), (0, 0, 255)), (top, bottom)
        assert page.page.viewport_size == size
        assert page.errors == []
