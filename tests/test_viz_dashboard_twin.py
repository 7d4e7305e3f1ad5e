"""The Dashboard's saved twin: the plain output a saved notebook keeps (its chart snapshot,
its alerts as text) and the display that follows it, for one dashboard and a second."""
import dashboard_loops
import pytest
from dashboard_loops import T, ended, log_of_zero_loop, marked_line, scalar_loop

from tapeviz.viz.dashboard import Dashboard

dashboards = dashboard_loops.dashboards   # the fixture its tests take


class Handle:
    """Stands in for IPython's DisplayHandle of the saved twin: keeps what it is updated with."""

    def __init__(self):
        self.updates = []

    def update(self, obj, **kwargs):
        self.updates.append((obj, kwargs))


def test_an_ended_runs_chart_snapshot_updates_the_saved_twin(dashboards):
    import base64
    import re
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = dashboards()
    runner = dash.train(scalar_loop, 3)
    assert runner.join(T)
    dash.flush()
    dash.saved_twin = twin = Handle()
    chart = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 380 190"><text>1.5</text></svg>'
    legend = [{"text": "w:0 1.5", "colour": "rgb(9, 105, 218)"},
              {"text": "v:0 <2>", "colour": "#cf222e"}]
    dash._handle_custom_msg({"snapshot": {"charts": [{"title": "loss <1>", "svg": chart}],
                                          "legend": legend}}, [])
    assert len(twin.updates) == 1
    bundle, kwargs = twin.updates[0]
    assert kwargs == {"raw": True}
    markup = bundle["text/html"]
    assert "tapeviz dashboard: 3 steps, finished (last loss " in markup and "saved charts" in markup
    assert "loss &lt;1&gt;" in markup and "w:0 1.5" in markup and "v:0 &lt;2&gt;" in markup
    images = [base64.b64decode(found).decode() for found in
              re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', markup)]
    assert images[0] == chart
    # each legend entry after a swatch of its series' colour, drawn as an image
    swatches = [re.search(r'fill="([^"]+)"', image).group(1) for image in images[1:3]]
    assert swatches == ["rgb(9, 105, 218)", "#cf222e"]
    assert markup.index("w:0 1.5") > markup.index(base64.b64encode(images[1].encode()).decode())
    # and the last step's tape, as the dashboard drew it (on white)
    assert len(images) == 4 and 'id="n0"' in images[3] and dash.tape_title in markup
    assert dash.error == ""

    # what the browser sends is checked: a chart that is not an SVG document is refused, and
    # a swatch colour that would end its attribute
    for bad in ({"charts": [{"title": "x", "svg": "<img src=x>"}]},
                {"charts": [], "legend": [{"text": "w", "colour": 'red"/><script'}]}):
        dash._handle_custom_msg({"snapshot": bad}, [])
        dash.flush()
        assert len(twin.updates) == 1
        assert dash.error.splitlines()[-1].startswith(
            "chart snapshot: ValueError: Dashboard: a chart snapshot must")


def test_a_dashboard_displays_after_a_twin_whose_display_it_keeps(kernel_shell):
    shell = kernel_shell
    dash = Dashboard(show_tape=False)
    published = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(shell.display_pub, "publish",
                          lambda data, metadata=None, transient=None, **kw:
                          published.append((data, transient)))
            shell.display_formatter.format(dash)
        (twin, transient), (live, _) = published
        assert twin["text/html"].startswith('<div class="tapeviz-saved"')
        assert "the charts are saved here when the run ends" in twin["text/html"]
        assert transient["display_id"] == dash.saved_twin.display_id
        assert set(live) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    finally:
        dash.close()


def test_the_saved_twin_carries_the_alerts_as_text(dashboards):
    dash = dashboards(show_tape=False)
    with pytest.warns(RuntimeWarning):
        ended(dash, dash.train(log_of_zero_loop, 3))
    dash.saved_twin = twin = Handle()
    chart = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 380 190"></svg>'
    dash._handle_custom_msg({"snapshot": {"charts": [{"title": "loss", "svg": chart}]}}, [])
    (bundle, _), = twin.updates
    assert "<b>alerts (1)</b>" in bundle["text/html"]
    assert "log produced -inf in the forward pass" in bundle["text/html"]
    assert marked_line("ALERT: log") in bundle["text/plain"]
    assert "\n  -inf: log produced -inf" in bundle["text/plain"]   # what log(0) made


def test_the_saved_twins_alerts_show_the_names_as_code():
    """As the live dashboard shows them: the message's backticks showed raw."""
    from tapeviz.viz.saved import dashboard_twin_bundle
    message = "matmul was given nan; `images` (its input `a`) already held 1 NaN"
    bundle = dashboard_twin_bundle("3 steps, finished", alerts=[("NaN", message)])
    assert "<code>images</code> (its input <code>a</code>) already held" in bundle["text/html"]
    assert message in bundle["text/plain"]   # the plain text keeps its backticks


def test_a_second_dashboard_also_displays_after_its_twin(kernel_shell):
    shell = kernel_shell
    dashes = [Dashboard(show_tape=False), Dashboard(show_tape=False)]
    published = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(shell.display_pub, "publish",
                          lambda data, metadata=None, transient=None, **kw:
                          published.append(data))
            for dash in dashes:
                shell.display_formatter.format(dash)
        twins = [data for data in published if "text/html" in data]
        assert len(twins) == 2 and all(dash.saved_twin is not None for dash in dashes)
    finally:
        for dash in dashes:
            dash.close()
