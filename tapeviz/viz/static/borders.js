// What the graph's box borders mean where it shows gradients: dot.py classes a box with a
// gradient's border "grad" and a dashed one no gradient reached "no-grad". The stepping strip
// says it while stepping; a recorded step's graph and the dashboard's tape say it beside them
// (their violet and dashed borders had no key).
export const BORDERS = "violet border: gradient, thicker = larger";

// The key for the graph drawn in `pane`, or "" when it shows no gradient.
export function bordersKey(pane) {
  return pane.querySelector("g.node.grad") ? `${BORDERS} · dashed: none reached it` : "";
}
