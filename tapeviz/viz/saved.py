"""What a saved notebook keeps of a live TapeWidget: a plain "twin" output shown before it.

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
"""
from __future__ import annotations

import base64
import html
import json
import uuid

TWIN_CLASS = "tapeviz-saved"
FRAME_HEIGHT = 520   # px of the interactive copy: the export's 80vh graph pane and its inspector


def twin_bundle(title: str, svg: str, page: str) -> dict:
    """The mime bundle of the twin of a graph titled `title`; `page` is its HTML export."""
    twin_id = f"{TWIN_CLASS}-{uuid.uuid4().hex}"
    image = base64.b64encode(_on_white(svg).encode("utf-8")).decode("ascii")
    text = html.escape(title)
    markup = (f'<div class="{TWIN_CLASS}" id="{twin_id}">'
              f'<div><b>{text}</b> <i>(saved graph; run the cell for the live widget)</i></div>'
              f'<img src="data:image/svg+xml;base64,{image}" alt="{text}">'
              f'<script>{_open_interactive(twin_id, page)}</script></div>')
    return {"text/html": markup, "image/svg+xml": svg, "text/plain": f"tapeviz: {title}"}


def display_with_twin(widget) -> None:
    """Display the twin of a TapeWidget's graph, then the live widget without its own HTML
    fallback (which the twin replaces: nbconvert would show both)."""
    from IPython.display import display
    display(twin_bundle(widget.title, widget.svg, widget.to_html()), raw=True)
    data, metadata = widget._repr_mimebundle_()
    data.pop("text/html", None)
    display(data, metadata=metadata, raw=True)


def _on_white(svg: str) -> str:
    """`svg` painted on white: an image takes no page colours, and Graphviz's grey edge labels
    would vanish on a dark theme's background."""
    start = svg.index(">", svg.index("<svg")) + 1
    return f'{svg[:start]}<rect width="100%" height="100%" fill="#ffffff"/>{svg[start:]}'


def _open_interactive(twin_id: str, page: str) -> str:
    """The twin's script, its id and page given as string literals that cannot end it."""
    def literal(text):
        return json.dumps(text).replace("<", "\\u003c")
    return (_OPEN_INTERACTIVE.replace("TWIN_ID", literal(twin_id))
            .replace("FRAME_HEIGHT", str(FRAME_HEIGHT)).replace("EXPORT_PAGE", literal(page)))


# Runs where scripts may. In a live notebook the widget's output follows the twin's: while it
# holds a drawn `.tapeviz` the twin hides, and shows again if the view goes; a dead view
# ("Error displaying widget: model not found", after a reopen) hides instead. Once
# the twin is on screen, its image becomes the export page in an iframe with the page's
# --jp-* theme colours (after a pause, so a live view about to draw does not pay for one).
_OPEN_INTERACTIVE = r"""(() => {
  const twin = document.getElementById(TWIN_ID);
  if (!twin) return;
  const page = EXPORT_PAGE;
  const output = twin.closest(".jp-OutputArea-child, .output_area");
  const next = () => output && output.nextElementSibling;
  const live = () => !!(next() && next().querySelector(".tapeviz"));
  const dead = () => !!(next() && /Error displaying widget/.test(next().textContent));
  const follow = () => {
    if (!output) return;
    const drawn = live();
    output.style.display = drawn ? "none" : "";
    if (!drawn && dead()) next().style.display = "none";
  };
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
  if (!window.IntersectionObserver) return;
  new IntersectionObserver((entries, observer) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      setTimeout(() => { if (open()) observer.disconnect(); }, 300);
    }
  }).observe(twin);
})();"""
