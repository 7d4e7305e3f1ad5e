// Scrolling the dashboard's tape pane to a node in sight, and the room a pane has for a
// widget to fit whole in the view around it.
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

// How tall the view that scrolls around `root` is: the outermost box around it that may
// scroll (JupyterLab's notebook panel; an output area inside it may scroll too but is as tall
// as what it holds), else the window.
export function viewHeight(root) {
  let height = window.innerHeight;
  for (let box = root.parentElement; box; box = box.parentElement) {
    if (box.clientHeight && /auto|scroll/.test(getComputedStyle(box).overflowY))
      height = Math.min(box.clientHeight, window.innerHeight);
  }
  return height;
}

// The height (px) `part` of `root` may take, at most `most`, for all of `root` to fit in the
// view around it: a widget taller than Lab's notebook panel (its graph pane sized by the
// window) hid its toolbar whenever the bottom of its graph was in sight.
export function roomFor(root, part, most) {
  const around = root.getBoundingClientRect().height - part.getBoundingClientRect().height;
  return Math.min(most, Math.floor(viewHeight(root) - around - 8));
}
