// Scrolling the dashboard's tape pane to a node in sight.
// The part of `node` a person can see: its box cut by every scrolling box around it (Lab's
// notebook panel) and the window.
function visibleRect(node) {
  const r = node.getBoundingClientRect();
  let { top, bottom, left, right } = r;
  for (let box = node.parentElement; box; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (!/auto|scroll|hidden/.test(style.overflowX + style.overflowY)) continue;
    const b = box.getBoundingClientRect();
    top = Math.max(top, b.top); bottom = Math.min(bottom, b.bottom);
    left = Math.max(left, b.left); right = Math.min(right, b.right);
  }
  top = Math.max(top, 0); bottom = Math.min(bottom, window.innerHeight);
  left = Math.max(left, 0); right = Math.min(right, window.innerWidth);
  // a pane wholly out of sight: centre in the pane itself
  return bottom - top > 20 && right - left > 20 ? { top, bottom, left, right } : r;
}

// Scroll `pane` (only it: not the notebook around it) so that `target` is centred in the
// part of it in sight (a tall dashboard's tape pane may run past the window's bottom), when
// it is not wholly there already.
export function scrollInto(pane, target) {
  const p = visibleRect(pane), t = target.getBoundingClientRect();
  const [height, width] = [p.bottom - p.top, p.right - p.left];
  if (t.top < p.top || t.bottom > p.bottom) pane.scrollTop += t.top - p.top - (height - t.height) / 2;
  if (t.left < p.left || t.right > p.right) pane.scrollLeft += t.left - p.left - (width - t.width) / 2;
}
