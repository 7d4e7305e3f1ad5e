"""Exports and static displays: an SVG, one self-contained HTML file, and the rich reprs
that tapes, recordings and widgets show where no kernel runs the widget.

The HTML file inlines the SVG, the inspector payload of each drawn node and the widget's
own ES module (`static/tape.js` joined with its parts by `front.module`) as a `data:` URL; a
small inline module imports the functions it needs from it (`h`, `panZoom`, `alertList`,
`cueAlerts`, `inspectorContent`, `sidePanel`, `bordersKey`), so the page pans, zooms, fits,
jumps from an alert to its node, inspects and says what the borders mean as the widget does
(the inspector widened, narrowed or hidden alike), opens where the widget opened (a NaN's
origin, selected), opens offline from disk, with no kernel and nothing fetched.
"""
from __future__ import annotations

import base64
import html
import json

from ..arguments import count
from .dot import to_dot
from .render import layout_svg
from .scene import Scene

MAX_INSPECTED = 200   # nodes whose inspector payload an HTML export carries


def to_svg(source, max_nodes: int = 300, **scene_options) -> str:
    """The graph of `source` (a tape, stepper, Recorder, RecordedStep or nodes) as SVG."""
    max_nodes = count("to_svg", "max_nodes", max_nodes, minimum=1)
    graph = Scene(source, **scene_options).graph()
    return layout_svg(to_dot(graph.collapse(frozenset(), max_nodes)))


def static_html(source, max_nodes: int = 300) -> str:
    """A static HTML block for a rich repr: the title and the graph's SVG."""
    return static_block(Scene(source).title(), to_svg(source, max_nodes))


def static_block(title: str, svg: str) -> str:
    """The title and an inline SVG, scrollable: what a notebook shows without a kernel."""
    return (f'<div class="tapeviz-static"><div><b>{html.escape(title)}</b></div>'
            f'<div style="max-height:480px;overflow:auto">{svg}</div></div>')


def widget_html(widget) -> str:
    """One self-contained HTML page of `widget`'s current view (see the module docstring)."""
    from .front import STATIC, module
    payloads = {}
    for node_id, node in list(widget.view.nodes.items())[:MAX_INSPECTED]:
        if node.kind != "group":
            payloads[node_id] = widget.inspect(node_id, saved=True)
    data = {"title": widget.title, "status": widget.status, "alerts": widget.alerts,
            "empty": widget.empty, "inspector": payloads, "opened": widget.opened_at,
            # how far a backward pass being stepped had gone: the borders' key says it
            "stepper": {k: v for k, v in widget.stepper.items() if k in ("count", "done")}}
    css = (STATIC / "tape.css").read_text(encoding="utf-8")
    return _PAGE.format(title=html.escape(widget.title), css=css, dark=_DARK, svg=widget.svg,
                        data=_script_json(data), module=_module_url(module("tape.js")),
                        viewer=_VIEWER)


def _module_url(text: str) -> str:
    """An ES module as a `data:` URL: importable offline, even from a file:// page, and in
    base64 so nothing in the module's text can end the <script> element it sits in."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"data:text/javascript;base64,{encoded}"


def _script_json(data) -> str:
    """JSON that is safe inside a <script> element: no '<' at all, so nothing can close it."""
    return json.dumps(data).replace("<", "\\u003c")


# The reader's dark preference gets JupyterLab Dark's colours (its theme's variables, which
# tape.css reads with light fallbacks): the page was light on a dark desktop. A saved twin's
# frame (saved.py) sets the notebook theme's colours after these, and they win. The viewer
# sets body[data-jp-theme-light] by the colours that came out, as Lab does, for tape.css's
# dark-only rules (2px dashes on the dark pane).
_DARK = """:root { color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root {
  --jp-layout-color0: #111111; --jp-layout-color1: #212121; --jp-layout-color2: #424242;
  --jp-layout-color3: #616161; --jp-border-color1: #616161; --jp-border-color2: #424242;
  --jp-border-color3: #212121; --jp-ui-font-color1: rgba(255, 255, 255, 0.87);
  --jp-ui-font-color2: rgba(255, 255, 255, 0.54); --jp-brand-color1: #2196f3;
  --jp-content-link-color: #64b5f6; --jp-error-color1: #f44336; --jp-warn-color1: #ff9800; }
  body { background: var(--jp-layout-color0); } }"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tapeviz: {title}</title>
<style>{css}
body {{ margin: 16px; }}
{dark}</style>
</head><body>
<div class="tapeviz"><div class="tv-toolbar"><span class="tv-title"></span>
<span class="tv-status"></span><span class="tv-spacer"></span>
<button class="tv-zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
<button class="tv-zoom-out" title="Zoom out" aria-label="Zoom out">−</button>
<button class="tv-fit" title="Fit the graph" aria-label="Fit the graph to the pane">Fit</button>
</div><div class="tv-alerts" aria-live="polite"></div>
<div class="tv-key tv-graph-key" hidden></div>
<div class="tv-main"><div class="tv-graph">{svg}</div>
<div class="tv-side"><div class="tv-inspector">
<div class="tv-hint">Click a node to see its value, gradient and line.</div></div></div></div></div>
<script type="application/json" id="tapeviz-data">{data}</script>
<script type="module">
import {{ h, panZoom, alertList, cueAlerts, inspectorContent, sidePanel, bordersKey }}
  from "{module}";
{viewer}
</script>
</body></html>
"""

# The export's own viewer: the widget's drawing helpers, fed from the inlined JSON.
_VIEWER = """
const data = JSON.parse(document.getElementById("tapeviz-data").textContent);
// light or dark as its colours came out (the reader's preference, or the notebook theme's a
// saved twin's frame was given): marked as Lab marks it, the page's own scrollbars alike
const dark = matchMedia("(prefers-color-scheme: dark)");
const theme = () => {
  const [r, g, b] = getComputedStyle(document.querySelector(".tapeviz")).backgroundColor
    .match(/[\\d.]+/g).map(Number);
  const light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 127;
  document.body.dataset.jpThemeLight = String(light);
  document.documentElement.style.colorScheme = light ? "light" : "dark";
};
theme();
dark.addEventListener("change", theme);
document.querySelector(".tv-title").textContent = data.title;
document.querySelector(".tv-status").textContent = data.status;
const graphBox = document.querySelector(".tv-graph");
const inspectorBox = document.querySelector(".tv-inspector");
const alertsBox = document.querySelector(".tv-alerts");
function show(id) {
  for (const node of graphBox.querySelectorAll("g.node")) {
    node.classList.toggle("tv-selected", node.id === id);
  }
  cueAlerts(alertsBox, id);
  panel.reveal();   // a hidden inspector comes back to show what was clicked
  panel.idle(false);   // ... with its width
  const payload = data.inspector[id];
  inspectorBox.replaceChildren(...(payload ? inspectorContent(payload, [], [], jump)
    : [h("div", { class: "tv-hint" }, "No inspector data for this node in the export.")]));
  inspectorBox.dataset.node = id;
  inspectorBox.parentElement.scrollTop = 0;
}
const jump = (id) => { show(id); zoomer.show(id); };
alertsBox.replaceChildren(...alertList(data.alerts, jump));
const key = document.querySelector(".tv-graph-key");   // what its borders mean, as the widget
key.textContent = bordersKey(graphBox, data.stepper);
key.hidden = !key.textContent;
if (data.empty) {
  graphBox.replaceChildren(h("div", { class: "tv-empty" }, data.empty));
  inspectorBox.replaceChildren(h("div", { class: "tv-hint" }, "Nothing recorded to inspect."));
}
// the side panel (its handle and width) first: the graph is fitted to the pane it leaves,
// not to a wider one refitted a frame later (panZoom's resize observer refits it when the
// window or the panel changes size, until the user zooms or pans)
const panel = sidePanel(document.querySelector(".tv-main"), document.querySelector(".tv-side"),
                        document.querySelector(".tv-toolbar"));
panel.idle(true);   // nothing chosen yet: a narrow panel under its hint, as in the widget
const zoomer = panZoom(graphBox, show);
// it opens where the widget opened: at the node a NaN/Inf was born at, selected and inspected
// (the side panel at its width before the first fit, which is then the view kept)
if (data.opened) show(data.opened);
zoomer.attach(graphBox.querySelector("svg"));
if (data.opened) zoomer.show(data.opened, false);
document.querySelector(".tv-zoom-in").onclick = () => zoomer.zoom(1 / 1.3);
document.querySelector(".tv-zoom-out").onclick = () => zoomer.zoom(1.3);
document.querySelector(".tv-fit").onclick = () => zoomer.fit();
"""
