"""What a saved notebook keeps of a live TapeWidget or Dashboard: a plain "twin" output
shown before it.

JupyterLab never falls back from a widget view to another mime type of the same output, so a
notebook reopened without the widget's model (no kernel, a fresh kernel) shows an error where
the graph was, and GitHub and nbconvert have no model either. Saved widget state would need a
JupyterLab setting that is off by default, and still nothing on GitHub. So the graph also
goes out as its own display output, which every viewer keeps:

- with no scripts (GitHub, an untrusted notebook): the title and the graph as an SVG image
  (an `<img>` with a `data:` URL: no inline SVG ids or styles for a sanitizer to strip), and
  an `image/svg+xml` copy for viewers that drop HTML;
- where scripts run (a trusted notebook, an nbconvert page): a small script swaps the image
  for the HTML export (`export.widget_html`) in an iframe once the twin is on screen, so
  the saved graph pans, zooms and inspects; the iframe takes the page's `--jp-*` colours.

The same script, in a live notebook, hides the twin while the widget's view (the next output)
is drawn, so a running notebook shows one graph, and hides a dead view after a reopen.
torchvista-style self-contained HTML alone would lose the live widget; this keeps both.

A Dashboard's charts exist only once its run has ended, and are drawn in the browser: there
`dashboard.js` sends them, as standalone SVG with their colours inlined, and the twin's
display is updated with them (`display_id`), as images, with the legend as text, each entry
after its series' colour as a small image (a `style` would not survive a sanitizer).
"""
from __future__ import annotations

import base64
import html
import json
import re
import uuid

TWIN_CLASS = "tapeviz-saved"
FRAME_HEIGHT = 560   # px of the interactive copy: the export, its graph pane at most 480 px
STUCK_MS = 5000      # a widget view still loading after this long has no kernel to come from
CSS_COLOUR = re.compile(r"rgba?\([0-9., ]+\)|#[0-9a-fA-F]{3,8}")   # a swatch's, as sent
NAME = re.compile(r"`([^`\n]+)`")   # a name a message writes in backticks: `images`


def twin_bundle(title: str, svg: str, page: str) -> dict:
    """The mime bundle of the twin of a graph titled `title`; `page` is its HTML export."""
    twin_id = f"{TWIN_CLASS}-{uuid.uuid4().hex}"
    text = html.escape(title)
    markup = (f'<div class="{TWIN_CLASS}" id="{twin_id}">'
              f'<div><b>{text}</b> <i>(saved graph; run the cell for the live widget)</i></div>'
              f'{_image(_on_white(svg), text)}'
              f'<script>{_twin_script(twin_id, ".tapeviz", page)}</script></div>')
    return {"text/html": markup, "image/svg+xml": svg, "text/plain": f"tapeviz: {title}"}


def dashboard_twin_bundle(summary: str, charts=(), legend=(), tape=None, alerts=()) -> dict:
    """The twin of a Dashboard: `summary` (e.g. "352 steps, finished") and, once a run ended,
    the charts as the browser drew them, [(title, standalone SVG)], the legend's entries with
    their series' colours, [(text, CSS colour)], the last step's tape, (title, Graphviz SVG),
    and the alerts' text, [(label, message)], labelled as the live ones (`panel.alert_label`)."""
    twin_id = f"{TWIN_CLASS}-{uuid.uuid4().hex}"
    note = ("saved charts" if charts else "the charts are saved here when the run ends") + \
        "; run the cell for the live dashboard"
    parts = [f'<div><b>tapeviz dashboard: {html.escape(summary)}</b> <i>({note})</i></div>']
    if alerts:   # text, in the page's own colours: it reads in either theme
        items = "".join(f"<li><b>{html.escape(label)}</b>: {_message_html(message)}</li>"
                        for label, message in alerts)
        parts.append(f"<div><b>alerts ({len(alerts)})</b><ul>{items}</ul></div>")
    # the legend names the last chart's lines (the gradient norms): under it, as in the live one
    legend_block = "<div>" + "".join(
        f'<span style="margin-right:12px">{_swatch(colour)} {html.escape(text)}</span>'
        for text, colour in legend) + "</div>" if legend else ""
    for i, (title, svg) in enumerate(charts):
        text = html.escape(title)
        under = legend_block if i == len(charts) - 1 else ""
        parts.append(f'<div style="display:inline-block;vertical-align:top;margin:4px 8px 0 0">'
                     f'<div>{text}</div>{_image(svg, text)}{under}</div>')
    if not charts:
        parts.append(legend_block)
    if tape is not None:
        title, svg = tape
        text = html.escape(title)
        parts.append(f"<div>{text}</div>{_image(_on_white(svg), text)}")
    markup = (f'<div class="{TWIN_CLASS}" id="{twin_id}">{"".join(parts)}'
              f'<script>{_twin_script(twin_id, ".tapeviz-dashboard", None)}</script></div>')
    text = "".join(f"\n  {label}: {message}" for label, message in alerts)
    return {"text/html": markup, "text/plain": f"tapeviz dashboard: {summary}{text}"}


def _message_html(message: str) -> str:
    """`message` as HTML, each name it writes in backticks as code, as the live dashboard
    shows it (dom.js: worded).

    >>> _message_html("`images` (its input `a`) held 1 NaN & 0 Inf")
    '<code>images</code> (its input <code>a</code>) held 1 NaN &amp; 0 Inf'
    """
    return NAME.sub(r"<code>\1</code>", html.escape(message))


def display_with_twin(widget) -> None:
    """Display the twin of a TapeWidget's graph, then the live widget without its own HTML
    fallback (which the twin replaces: nbconvert would show both). A widget showing its first
    view gets its twin once its values are checked (a twin is what a saved notebook keeps)."""
    from IPython.display import display
    if not widget.checking:
        display(_widget_twin(widget), raw=True)
        _display_live(widget)
        return
    handle = display({"text/plain": f"tapeviz: {widget.title} ({widget.checking})"},
                     raw=True, display_id=True)
    _display_live(widget)
    widget.when_checked(lambda: handle.update(_widget_twin(widget), raw=True))


def _widget_twin(widget) -> dict:
    try:
        return twin_bundle(widget.title, widget.svg, widget.to_html())
    except Exception as exc:   # the live widget still shows; the missing copy is said
        return {"text/plain": f"tapeviz: no saved copy of this graph ({type(exc).__name__}: "
                              f"{exc}); a saved notebook will not show it"}


def display_dashboard_with_twin(dashboard) -> None:
    """Display a Dashboard's twin (updated with its charts when a run ends: the dashboard
    keeps the handle as `saved_twin`), then the live dashboard."""
    from IPython.display import display
    dashboard.saved_twin = display(dashboard_twin_bundle(dashboard.state), raw=True,
                                   display_id=True)
    _display_live(dashboard)


def _display_live(widget) -> None:
    from IPython.display import display
    data, metadata = widget._repr_mimebundle_(static=False)
    data.pop("text/html", None)
    display(data, metadata=metadata, raw=True)


def _image(svg: str, alt: str) -> str:
    """An <img> of `svg` (escaped `alt`): no inline SVG ids to collide, nothing to sanitize."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{alt}">'


def _swatch(colour: str) -> str:
    """A short thick line in `colour` (checked against CSS_COLOUR), as the charts draw the
    series: an image, so it keeps its colour where a sanitizer drops `style`."""
    if not CSS_COLOUR.fullmatch(colour):
        raise ValueError(f"a legend swatch takes rgb(...) or #hex; got {colour!r:.80}")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="10">'
           f'<rect y="3" width="16" height="4" rx="1" fill="{colour}"/></svg>')
    return _image(svg, "")


def _on_white(svg: str) -> str:
    """`svg` painted on white: an image takes no page colours, and Graphviz's grey edge labels
    would vanish on a dark theme's background."""
    start = svg.index(">", svg.index("<svg")) + 1
    return f'{svg[:start]}<rect width="100%" height="100%" fill="#ffffff"/>{svg[start:]}'


def _twin_script(twin_id: str, live: str, page: str | None) -> str:
    """The twin's script: its id, the selector of a drawn live view and its export page (or
    None: nothing interactive) given as literals that cannot end the <script>."""
    def literal(value):
        return json.dumps(value).replace("<", "\\u003c")
    return (_TWIN_SCRIPT.replace("TWIN_ID", literal(twin_id)).replace("LIVE_VIEW", literal(live))
            .replace("FRAME_HEIGHT", str(FRAME_HEIGHT)).replace("STUCK_MS", str(STUCK_MS))
            .replace("EXPORT_PAGE", literal(page)))


# Runs where scripts may. In a live notebook the widget's output follows the twin's: while it
# holds a drawn live view (LIVE_VIEW) the twin hides, and shows again if the view goes; a
# dead view ("Error displaying widget: model not found" after a reopen, or "Loading widget..."
# for seconds: no kernel) hides instead, and shows again if it comes alive after all. With
# an export page, once the twin is on screen its image becomes that page in an iframe with the
# page's --jp-* theme colours (after a pause, so a live view about to draw pays for none).
_TWIN_SCRIPT = r"""(() => {
  const twin = document.getElementById(TWIN_ID);
  if (!twin) return;
  const page = EXPORT_PAGE;
  const output = twin.closest(".jp-OutputArea-child, .output_area");
  const next = () => output && output.nextElementSibling;
  const live = () => !!(next() && next().querySelector(LIVE_VIEW));
  let waited = false;   // a view still "Loading widget..." after STUCK_MS ms: no kernel
  const dead = () => !!(next() && (/Error displaying widget/.test(next().textContent)
    || waited && /Loading widget/.test(next().textContent)));
  const follow = () => {
    if (!output) return;
    const drawn = live();
    output.style.display = drawn ? "none" : "";
    if (drawn) next().style.display = "";
    else if (dead()) next().style.display = "none";
  };
  setTimeout(() => { waited = true; follow(); }, STUCK_MS);
  if (output && output.parentElement) {
    new MutationObserver(follow).observe(output.parentElement, { childList: true, subtree: true });
  }
  follow();
  const open = () => {
    const image = twin.querySelector("img");
    if (!image) return true;
    if (live()) return false;
    const style = getComputedStyle(twin);
    const colours = [...new Set(page.match(/--jp-[\w-]+/g) || [])]
      .map((name) => [name, style.getPropertyValue(name).trim()])
      .filter(([, value]) => value).map(([name, value]) => `${name}: ${value};`).join(" ");
    const frame = document.createElement("iframe");
    frame.title = image.alt;
    frame.style.cssText = "width: 100%; height: FRAME_HEIGHTpx; border: 0; display: block";
    frame.srcdoc = page.replace("</head>", `<style>:root { ${colours} }</style></head>`);
    image.replaceWith(frame);
    return true;
  };
  if (!page || !window.IntersectionObserver) return;
  new IntersectionObserver((entries, observer) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      setTimeout(() => { if (open()) observer.disconnect(); }, 300);
    }
  }).observe(twin);
})();"""
