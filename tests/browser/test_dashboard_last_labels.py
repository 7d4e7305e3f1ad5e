"""The newest-value labels at a chart's right edge stay off its step axis: notebook 03's
gradient norm chart (six variables, log scale) pushed its lowest labels apart downwards past
the plot's foot, and '0.03361' sat on the axis's 'step' (lab-student-dark-03-dashboard-running.png).
Drawn by dashboard.js's drawChart in Chromium without Jupyter; the labels are pushed up as far
as they must instead, and still never touch each other."""
import base64

import pytest

from tapeviz.viz.front import STATIC, module

from .test_dashboard_js import sent_run

MODULE = module("dashboard.js").encode()

# [label text, its box] of each newest-value label and of each tick label, and the plot's foot
_DRAW = """async ([url, runs]) => {
  const m = await import(url);
  const svg = document.getElementById("chart");
  const series = runs.map((run, k) => {
    const s = { ...run, label: "" };
    for (const key of ["steps", "bad_step"]) s[key] = m.typed(s[key], Int32Array);
    for (const key of ["values", "low", "high", "smooth", "bad"])
      s[key] = m.typed(s[key], Float32Array);
    return s;
  });
  m.drawChart(svg, series, { log: true });
  const box = (t) => {
    const b = t.getBBox();
    return [t.textContent, b.x, b.y, b.width, b.height];
  };
  return { last: [...svg.querySelectorAll("text.tvd-last")].map(box),
           ticks: [...svg.querySelectorAll("text.tvd-tick")].map(box) };
}"""


def overlap(a, b) -> bool:
    """Whether two text boxes overlap by more than their glyphs' 2 px of line gap."""
    _, ax, ay, aw, ah = a
    _, bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay + 2 < by + bh and by + 2 < ay + ah


@pytest.mark.browser
def test_the_lowest_labels_are_pushed_up_clear_of_the_step_axis(browser):
    # six gradient norms: one high, five bunched at the foot (notebook 03's last steps)
    ends = [0.44, 0.107, 0.0936, 0.062, 0.0445, 0.0375, 0.0336]
    runs = [sent_run([end * (1.0 + 0.2 * (step % 3)) for step in range(56)] + [end])
            for end in ends]
    url = "data:text/javascript;base64," + base64.b64encode(MODULE).decode()
    page = browser.context.new_page()
    try:
        page.set_content('<svg id="chart" style="width: 380px; height: 200px"></svg>')
        page.add_style_tag(content=(STATIC / "dashboard.css").read_text(encoding="utf-8"))
        got = page.evaluate(_DRAW, [url, runs])
    finally:
        page.close()
    assert len(got["last"]) == len(ends)
    on_ticks = [(label[0], tick[0]) for label in got["last"] for tick in got["ticks"]
                if overlap(label, tick)]
    assert on_ticks == [], on_ticks
    touching = [(a[0], b[0]) for i, a in enumerate(got["last"]) for b in got["last"][i + 1:]
                if overlap(a, b)]
    assert touching == [], (touching, got["last"])
    assert browser.blocked == []
