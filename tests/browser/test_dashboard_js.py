"""dashboard.js's chart drawing on a long series, in Chromium without Jupyter: the buckets
Python sends (at most 400: 391 for 100,000 steps with one spike and one NaN) are drawn one
vertex per pixel column at most, the spike stays the band's top and the y axis's, the NaN step
gets its mark and its name, round steps label the x axis, hovering the spike's column says its
steps and raw range, and the note under the chart says how many steps a drawn point covers.
The module is loaded as the browser loads it (a data: URL)."""
import base64

import numpy as np
import pytest

from tapeviz.viz.front import module
from tapeviz.viz.series import Series

MODULE = module("dashboard.js").encode()   # the joined module the widget loads
STEPS, SPIKE, NAN = 100_000, 61_234, 87_001


def long_series():
    """Series.to_bytes of a noisy run around 1 with a spike of 1e4 and one NaN, as lists."""
    values = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(STEPS)
    values[SPIKE - 1], values[NAN - 1] = 1e4, np.nan
    s = Series()
    for step, value in enumerate(values, start=1):
        s.append(step, value)
    sent = s.to_bytes()
    columns = {name: np.frombuffer(sent[name], "<i4" if name in ("steps", "bad_step")
                                   else "<f4").tolist()
               for name in ("steps", "values", "low", "high", "smooth", "bad", "bad_step")}
    # JSON has no NaN: null, which the module's `typed` reads back as NaN
    columns = {name: [None if isinstance(v, float) and not np.isfinite(v) else v for v in col]
               for name, col in columns.items()}
    return {"name": "w:0", **columns,
            **{key: sent[key] for key in ("start", "count", "width", "smoothing")}}


@pytest.mark.browser
def test_a_long_series_is_drawn_per_pixel_with_its_spike_and_nan(browser):
    url = "data:text/javascript;base64," + base64.b64encode(MODULE).decode()
    page = browser.context.new_page()
    try:
        page.set_content('<svg id="chart" style="width: 380px"></svg>')
        got = page.evaluate("""async ([url, series]) => {
            const m = await import(url);
            const s = { ...series };
            for (const k of ["steps", "bad_step"]) s[k] = m.typed(s[k], Int32Array);
            for (const k of ["values", "low", "high", "smooth", "bad"])
              s[k] = m.typed(s[k], Float32Array);
            const svg = document.getElementById("chart");
            const drawn = m.drawChart(svg, [s], { log: true });
            const cols = drawn.series[0].cols;
            const spike = cols.reduce((a, c) => (c.high > a.high ? c : a));
            const band = svg.querySelector("polygon.tvd-band").getAttribute("points").split(" ");
            return {
              buckets: s.steps.length, columns: cols.length,
              vertices: svg.querySelector("polyline.tvd-line").getAttribute("points")
                .split(" ").length,
              bandTop: Math.min(...band.map((p) => Number(p.split(",")[1]))),
              plotTop: Number(svg.querySelector(".tvd-plot").getAttribute("y")),
              ticks: [...svg.querySelectorAll("text.tvd-tick")].map((t) => t.textContent),
              marks: svg.querySelectorAll(".tvd-nan-mark").length,
              markText: [...svg.querySelectorAll(".tvd-nan-text")].map((t) => t.textContent),
              alarm: m.firstNonFinite([s]),
              spike: { from: spike.from, to: spike.step, high: spike.high },
              hover: m.hoverLines(drawn, spike.x),
              note: m.chartNote([s], drawn),
              rounds: m.roundSteps(1, 2400),
            };
        }""", [url, long_series()])
    finally:
        page.close()
    assert 200 <= got["buckets"] <= 400
    assert got["columns"] <= 236 and got["vertices"] == got["columns"]   # <= a pixel each
    assert got["spike"]["from"] <= SPIKE <= got["spike"]["to"] and got["spike"]["high"] == 1e4
    assert got["bandTop"] == pytest.approx(got["plotTop"], abs=0.1)      # the spike tops it
    assert "10000" in got["ticks"] and str(STEPS) in got["ticks"]      # ... and the y axis
    assert got["marks"] == 1 and got["markText"] == ["NaN"]
    assert got["alarm"] == f"NaN at step {NAN} (w:0)"
    head, (row,) = got["hover"]["head"], got["hover"]["rows"]
    assert head == f"steps {got['spike']['from']}–{got['spike']['to']}", head
    assert row["text"].startswith("w:0: raw ") and "to 10000" in row["text"], row
    assert got["rounds"] == [1000, 2000]
    # a drawn point is one pixel column: one bucket or two here, as the note says (it said
    # the bucket's width alone, while hovering a column of two said twice as many steps)
    width = long_series()["width"]
    assert f"({width}–{2 * width} steps a point)" in got["note"], got["note"]
    assert got["spike"]["to"] - got["spike"]["from"] + 1 in (width, 2 * width)
    assert browser.blocked == []


def sent_run(values, max_points=400):
    """Series.to_bytes of `values` (steps 1, 2, ...), as lists (None for NaN)."""
    s = Series(max_points)
    for step, value in enumerate(values, start=1):
        s.append(step, value)
    sent = s.to_bytes()
    columns = {name: [None if isinstance(v, float) and not np.isfinite(v) else v for v in
                      np.frombuffer(sent[name], "<i4" if name in ("steps", "bad_step")
                                    else "<f4").tolist()]
               for name in ("steps", "values", "low", "high", "smooth", "bad", "bad_step")}
    return {"name": "w:0", **columns,
            **{key: sent[key] for key in ("start", "count", "width", "smoothing")}}


def spiked_run(steps, max_points):
    """sent_run of `steps` values of 1.0 with a spike of 1e4 in the middle and a NaN three
    quarters in (when there are steps for both)."""
    spike, nan = (steps + 1) // 2, (3 * steps + 3) // 4
    values = [1e4 if step == spike else float("nan") if step == nan else 1.0
              for step in range(1, steps + 1)]
    return {**sent_run(values, max_points), "spike": spike,
            "nan": nan if nan != spike else None}


def draw_each(browser, runs, measure: str, style: str = "width: 380px", log: bool = True):
    """Each of `runs` drawn in turn by the module's drawChart into one <svg style=...>, and
    what the JS statements `measure` return of it (they see m, svg, run, s and drawn)."""
    url = "data:text/javascript;base64," + base64.b64encode(MODULE).decode()
    page = browser.context.new_page()
    try:
        page.set_content(f'<svg id="chart" style="{style}"></svg>')
        return page.evaluate("""async ([url, runs, log]) => {
            const m = await import(url);
            const svg = document.getElementById("chart");
            return runs.map((run) => {
              const s = { ...run };
              for (const k of ["steps", "bad_step"]) s[k] = m.typed(s[k], Int32Array);
              for (const k of ["values", "low", "high", "smooth", "bad"])
                s[k] = m.typed(s[k], Float32Array);
              const drawn = m.drawChart(svg, [s], { log });
              MEASURE
            });
        }""".replace("MEASURE", measure), [url, runs, log])
    finally:
        page.close()


@pytest.mark.browser
def test_a_spike_and_a_nan_are_drawn_at_any_length_and_bucket_count(browser):
    """From 1 step to a million, with 2 to 1,000 buckets: the spike's pixel column holds it
    and, with other values around it, tops the band and the y axis; the NaN's column is
    marked and the alarm names its step."""
    runs = [spiked_run(steps, max_points) for steps in (1, 2, 7, 401, 10_007, 1_000_000)
            for max_points in (2, 3, 400, 1000)]
    got = draw_each(browser, runs, """
              const cols = drawn.series[0].cols;
              const at = cols.find((c) => c.from <= run.spike && run.spike <= c.step);
              const band = [...svg.querySelectorAll("polygon.tvd-band")].flatMap(
                (p) => p.getAttribute("points").split(" ").map((q) => Number(q.split(",")[1])));
              return {
                spikeHigh: at ? at.high : null,
                bandTop: Math.min(...band),
                plotTop: Number(svg.querySelector(".tvd-plot").getAttribute("y")),
                topTick: svg.querySelectorAll("text.tvd-tick")[1].textContent,
                marks: svg.querySelectorAll(".tvd-nan-mark").length,
                alarm: m.firstNonFinite([s]),
              };""")
    for run, drawn in zip(runs, got):
        case = (run["count"], len(run["steps"]), drawn)
        assert drawn["spikeHigh"] == 1e4, case
        if run["count"] >= 3:   # values around the spike: it is the band's top and the axis'
            assert drawn["topTick"] == "10000", case
            assert drawn["bandTop"] == pytest.approx(drawn["plotTop"], abs=0.1), case
        else:                   # the spike alone is finite: drawn inside an axis around it
            assert float(drawn["topTick"]) > 1e4 and drawn["bandTop"] > drawn["plotTop"], case
        if run["nan"] is None:
            assert drawn["marks"] == 0 and drawn["alarm"] == "", case
        else:
            assert drawn["marks"] == 1 and drawn["alarm"] == f"NaN at step {run['nan']} (w:0)", case
    assert browser.blocked == []


@pytest.mark.browser
def test_hovering_a_column_that_ends_in_nan_names_the_step_the_nan_came(browser):
    """A pixel column of steps 1985-2000 whose loss went NaN at 1993 and stayed: hovering it
    says 1993 (it said 'last NaN' alone); a column of one NaN step says it once, in its head."""
    url = "data:text/javascript;base64," + base64.b64encode(MODULE).decode()
    column = {"x": 100, "from": 1985, "step": 2000, "low": 0.3, "high": 0.5, "value": None,
              "smooth": 0.4, "badStep": 1993, "bad": None}
    page = browser.context.new_page()
    try:
        got = page.evaluate("""async ([url, column]) => {
            const m = await import(url);
            const nan = { ...column, value: NaN, bad: NaN };
            const one = { ...nan, from: 2000, badStep: 2000, low: NaN, high: NaN };
            const chart = (c) => ({ series: [{ name: "loss", colour: "", cols: [c] }] });
            return [m.hoverLines(chart(nan), 100), m.hoverLines(chart(one), 100)];
        }""", [url, column])
    finally:
        page.close()
    (many, one) = got
    assert many["head"] == "steps 1985–2000"
    assert many["rows"][0]["text"] == "loss: raw 0.3 to 0.5, last NaN; NaN at step 1993; " \
        "smoothed 0.4", many
    assert one["head"] == "step 2000" and one["rows"][0]["text"] == "loss: raw NaN; smoothed 0.4"
    assert browser.blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [300, 380])
def test_the_step_axis_labels_never_touch(width, browser):
    """The x axis names the first and newest step and round steps between them: at every run
    length each label keeps clear of its neighbours (a run of 352 steps read '300352')."""
    runs = [spiked_run(steps, 400) for steps in (2, 9, 101, 352, 1320, 2999, 99_999, 1_000_000)]
    got = draw_each(browser, runs, """
              const texts = [...svg.querySelectorAll("text.tvd-tick")];
              const bottom = Math.max(...texts.map((t) => Number(t.getAttribute("y"))));
              return texts.filter((t) => Number(t.getAttribute("y")) === bottom)
                .map((t) => { const b = t.getBBox(); return [t.textContent, b.x, b.x + b.width]; })
                .sort((a, b) => a[1] - b[1]);""",
                    style=f"width: {width}px; height: 200px", log=False)
    for run, labels in zip(runs, got):
        assert labels[-1][0] == "step" and str(run["steps"][-1]) in [t for t, *_ in labels]
        for (_, _, left_end), (_, right_start, _) in zip(labels, labels[1:]):
            assert right_start - left_end >= 3, (len(run["steps"]), labels)
    assert browser.blocked == []


@pytest.mark.browser
def test_the_first_steps_are_drawn_as_they_were_not_smoothed(browser):
    """A loss falling 2.3, 1.2, 0.7, 0.45, 0.3: its smoothed line (EMA 0.9, debiased) ended at
    0.89, three times the loss, and read as a loss that barely fell. Until the run has as many
    steps as the EMA's span (10), the line goes through the raw values, a dot at each, and the
    note and hover say so; from the tenth step on it is the smoothed line again."""
    falling = [2.3, 1.2, 0.7, 0.45, 0.3, 0.25, 0.2, 0.18, 0.16, 0.15, 0.14, 0.13]
    runs = [sent_run(falling[:steps]) for steps in (1, 2, 5, 9, 10, 12)]
    got = draw_each(browser, runs, """
              const line = svg.querySelector("polyline.tvd-line");
              const ys = line ? line.getAttribute("points").split(" ")
                .map((p) => Number(p.split(",")[1])) : [];
              const dots = [...svg.querySelectorAll("circle.tvd-point")].map(
                (c) => Number(c.getAttribute("cy")));
              const cols = drawn.series[0].cols;
              return { ys, dots, ticks: [...svg.querySelectorAll("text.tvd-tick")]
                         .map((t) => t.textContent),
                       note: m.chartNote([s], drawn),
                       hover: m.hoverLines(drawn, cols[cols.length - 1].x).rows[0].text };""",
                    log=False)
    for run, drawn in zip(runs, got):
        steps = run["count"]
        case = (steps, drawn)
        if steps < 10:
            assert len(drawn["dots"]) == steps, case
            if steps > 1:
                assert drawn["ys"] == pytest.approx(drawn["dots"], abs=0.06), case
            assert drawn["note"].startswith("line: raw values (smoothed once there are 10 "
                                            "steps)"), case
            assert "smoothed" not in drawn["hover"], case
            # the axis spans the raw values alone: the lowest tick is the last loss
            if steps > 1:
                assert drawn["ticks"][0] == str(falling[steps - 1]), case
        else:
            assert drawn["dots"] == [] and drawn["note"].startswith("line: smoothed (EMA 0.9)")
            assert "; smoothed " in drawn["hover"], case
    assert browser.blocked == []
