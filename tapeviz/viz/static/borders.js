// What the graph's box borders mean where it shows gradients: dot.py classes a box with a
// gradient's border "grad" and a dashed one no gradient reached "no-grad". The stepping strip
// says it while stepping; a recorded step's graph and the dashboard's tape say it beside them
// (their violet and dashed borders had no key).
export const BORDERS = "violet border: gradient, thicker = larger";

// The key for the graph drawn in `pane`, or "" when it shows no gradient. `stepper` is the
// backward stepping's state (panel.py: stepper_state) where the graph was left mid-pass (an
// export saved after two Steps): its dashed boxes have no gradient yet, not none at all.
export function bordersKey(pane, stepper = {}) {
  if (!pane.querySelector("g.node.grad")) return "";
  const midway = stepper.count !== undefined && !stepper.done;
  return `${BORDERS} · dashed: ` + (midway ? `none yet (saved ${stepper.count} backward `
    + `step${stepper.count === 1 ? "" : "s"} in; the pass was not finished)` : "none reached it");
}
