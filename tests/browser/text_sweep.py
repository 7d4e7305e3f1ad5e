"""Every text a widget shows, measured as rendered: its on-screen size and its WCAG contrast
against what is really behind it (an SVG label's box fill, the pane's background, the
translucent colours and opacities JupyterLab's themes use, blended). What a person must read
is 11 px or more at 4.5:1 or more; a disabled button, an inactive control, is exempt (WCAG
1.4.3)."""

MIN_PX = 11
MIN_RATIO = 4.5

# [text, its element's class, ratio, px] for each text element of `root` under the thresholds
SWEEP = """([root, minPx, minRatio]) => {
  const parse = (text) => {
    if (!text || text === "none" || text === "transparent") return [0, 0, 0, 0];
    const nums = (text.match(/-?[\\d.]+/g) || []).map(Number);
    const scale = text.startsWith("color(") ? 255 : 1;   // color(srgb r g b / a), 0..1
    const [r, g, b] = nums.slice(0, 3).map((v) => v * scale);
    return [r, g, b, nums.length > 3 ? nums[3] : 1];
  };
  const over = (top, bottom) =>
    top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3]));
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // the colours behind `el`, nearest first, down to the first opaque one: an SVG text's box
  // (the first filled shape of its g.node), or the graph's page polygon, then HTML backgrounds
  const filled = (shape) => {
    const fill = parse(getComputedStyle(shape).fill);
    fill[3] *= Number(getComputedStyle(shape).fillOpacity);
    return fill;
  };
  const layers = (el) => {
    const found = [];
    if (el instanceof SVGElement) {
      const node = el.closest("g.node"), graph = el.closest("g.graph");
      const shapes = node ? [...node.querySelectorAll("polygon, ellipse, path, rect")]
        : graph ? [...graph.querySelectorAll(":scope > polygon")] : [];
      const box = shapes.map(filled).find((fill) => fill[3] > 0);
      if (box) found.push(box);
      if (box && box[3] >= 1) return found;
    }
    for (let node = el.closest("svg") || el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) found.push(bg);
      if (bg[3] >= 1) return found;
    }
    return found;
  };
  const out = [];
  const texts = [...root.querySelectorAll("*")].filter((el) =>
    [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
  for (const el of texts) {
    if (!el.getClientRects().length || el.closest("button:disabled, [hidden]")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let opacity = 1;
    for (let node = el; node && node !== root.parentElement; node = node.parentElement)
      opacity *= Number(getComputedStyle(node).opacity);
    let background = [255, 255, 255];
    for (const layer of layers(el).reverse()) background = over(layer, background);
    const own = parse(el instanceof SVGElement ? style.fill : style.color);
    own[3] *= opacity * (el instanceof SVGElement ? Number(style.fillOpacity) : 1);
    const colour = over(own, background);
    const [hi, lo] = [luminance(colour), luminance(background)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    let px = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      px *= m ? Math.hypot(m.a, m.b) : 1;
    }
    if (ratio < minRatio || px < minPx - 0.05) {
      const cls = typeof el.className === "string" ? el.className : el.className.baseVal;
      out.push([el.textContent.trim().slice(0, 40), `${el.tagName.toLowerCase()}.${cls}`,
                Math.round(ratio * 100) / 100, Math.round(px * 10) / 10]);
    }
  }
  return out;
}"""


def unreadable_texts(locator) -> list:
    """[text, element, contrast ratio, px] for each text of `locator`'s element that a person
    must read and that is under MIN_PX or MIN_RATIO."""
    return locator.evaluate(f"(root) => ({SWEEP})([root, {MIN_PX}, {MIN_RATIO}])")


# [text, px cut] for each HTML text of `root` outside a graph or chart pane (which pan and clip
# on purpose) that reaches past the sides of `root` or of a box around it that clips
TEXTS_CUT = """(root) => {
  const clips = (el) => /(hidden|clip|auto|scroll)/.test(getComputedStyle(el).overflowX);
  const out = [];
  for (const el of root.querySelectorAll("*")) {
    if (el instanceof SVGElement || !el.getClientRects().length) continue;
    // each word's box (a run of spaces hung past a wrapped line's end is nothing to read)
    const words = [...el.childNodes].filter((n) => n.nodeType === 3).flatMap((n) =>
      [...n.textContent.matchAll(/\\S+/g)].map((m) => {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        return range.getBoundingClientRect();
      }));
    if (!words.length) continue;
    const r = { left: Math.min(...words.map((w) => w.left)),
                right: Math.max(...words.map((w) => w.right)) };
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (box !== root && !clips(box)) continue;
      const b = box.getBoundingClientRect(), px = Math.max(b.left - r.left, r.right - b.right);
      if (px > 1) { out.push([el.textContent.trim().slice(0, 40), Math.round(px)]); break; }
      if (box === root) break;
    }
  }
  return out;
}"""


def cut_texts(locator) -> list:
    """[text, px] for each HTML text of `locator`'s element cut at the side of a box that clips
    it (the widget's own, a scrolling panel's)."""
    return locator.evaluate(TEXTS_CUT)
