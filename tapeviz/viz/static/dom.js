// The widgets' DOM helpers (the tape widget's and the dashboard's): HTML and SVG elements built
// from attributes and children, and text whose source locations never wrap inside.
export const SVG_NS = "http://www.w3.org/2000/svg";

// A DOM element with attributes ("on..." ones become listeners) and children (strings as text
// as `worded` shows it; numbers as text; null and undefined left out).
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? worded(child) : child);
  }
  return node;
}

// An SVG element with attributes and, when given, its text.
export function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Text as a message writes it, each name in backticks (the user's own: `images`) shown as
// code, without them, and each source location in a tv-loc span.
const NAME = /`([^`\n]+)`/;
export function worded(text) {
  const parts = text.split(NAME);   // odd parts: the names
  if (parts.length === 1) return located(text);
  const fragment = document.createDocumentFragment();
  parts.forEach((part, i) => {
    if (i % 2 === 0) { fragment.append(located(part)); return; }
    const code = document.createElement("code");
    code.className = "tv-name";
    code.textContent = part;
    fragment.append(code);
  });
  return fragment;
}

// Text in which each source location (as SourceInfo.location writes one: "Cell In[3], line 7",
// "train.py:12") sits in a tv-loc span, which never wraps inside.
const LOCATION = /(Cell In\[\d+\], line \d+|[^\s'"()]+\.py:\d+)/;
export function located(text) {
  const parts = text.split(LOCATION);
  if (parts.length === 1) return document.createTextNode(text);
  const fragment = document.createDocumentFragment();
  parts.forEach((part, i) => {
    if (i % 2 === 0) { fragment.append(part); return; }
    const span = document.createElement("span");
    span.className = "tv-loc";
    span.textContent = part;
    fragment.append(span);
  });
  return fragment;
}
