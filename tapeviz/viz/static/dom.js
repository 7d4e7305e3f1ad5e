// The tape widget's DOM helper: elements built from attributes and children, and text
// whose source locations never wrap inside.

// A DOM element with attributes ("on..." ones become listeners) and children (strings as text).
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? located(child) : child);
    }
  }
  return node;
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
