"""Training loops that manage their own optimisation, from the TF tutorials, as a student
writes them after the lectures and debugs them with every tool: gradients clipped by their
global norm under an exponentially decaying learning rate, and a model whose weights and
optimizer are written to a checkpoint and read back mid-training. Each is drawn, inspected,
stepped backward, run by the Runner past and into a breakpoint and by the Dashboard, its
planted NaN found at the student's line and its planted silent bug diagnosed."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from programs import line_of
from raising import shown_path
from tf_program_tools import (nothing_left_around, ops_drawn, paused_by, recorded, runs_past,
                              stepped_gradients, stepped_to_the_end, trained_by_dashboard,
                              widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def at(marker: str) -> str:
    """'tests/test_tf_programs_schedules.py:<n>' of the line marked `marker`, as shown."""
    return f"{shown_path(__file__)}:{line_of(__file__, marker)}"


def measurements(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, :1] - 2 * x[:, 1:2]).astype(np.float32)


# ---- clipped by global norm, under a decaying learning rate ------------------------------------
def clipped(steps=4, clip_norm=1.0, nan=False):
    x, y = measurements()
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2,
                                                              decay_rate=0.5)
    optimizer = tf.keras.optimizers.SGD(schedule)
    norms = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            error = model(x) - y
            if nan:
                error = error * tf.sqrt(error)   # NAN: sqrt of a negative error
            loss = tf.reduce_mean(tf.square(error))
        grads = tape.gradient(loss, model.trainable_variables)
        grads, norm = tf.clip_by_global_norm(grads, clip_norm)   # CLIP
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        norms.append(float(norm))
    return norms


def test_clipped_gradients_are_drawn_stepped_and_applied_as_clipped():
    norms, rec = recorded(clipped)
    assert len(rec.steps) == 4 and norms[0] > 1.0
    widget = widget_of(rec)
    drawn = ops_drawn(widget)
    assert "½‖x‖²" in drawn and "√" in drawn   # the global norm, drawn after the backward pass
    [root] = [k for k, n in widget.view.nodes.items() if n.label == "√"]
    assert f"{at('# CLIP')} in clipped" in {
        s["title"]: s["content"] for s in widget.inspect(root)["sections"]}["Source"]
    stepped_to_the_end(widget)
    assert len(stepped_gradients(widget)) == 4
    widget.close()
    applied = rec.steps[0].variable_gradients   # what the tape gave: before the clip
    total = np.sqrt(sum(float(np.sum(np.square(np.asarray(g)))) for g in applied.values()))
    assert abs(total - norms[0]) < 1e-4 * norms[0]
    runs_past(clipped, op="clip_by_value")
    paused_at, hit = paused_by(clipped, op="sqrt")
    assert paused_at.source.lineno == line_of(__file__, "# CLIP")
    shown = trained_by_dashboard(clipped)
    assert shown["steps"] == 4 and shown["alerts"] == []


def test_a_clipped_loops_nan_is_found_at_its_line_and_a_tiny_clip_norm_diagnosed():
    _, rec = recorded(clipped, steps=1, nan=True)
    origin = find_nan_origin(rec.steps[0])
    assert (origin.op, origin.source.lineno) == ("sqrt", line_of(__file__, "# NAN: sqrt"))
    _, rec = recorded(clipped, steps=6, clip_norm=1e-4)
    [finding] = [f for f in diagnose(rec) if f.kind == "gradients_over_clipped"]
    assert finding.message.startswith("the gradients are clipped to a norm of 0.0001 in every "
                                      "step")
    assert at("# CLIP") in finding.message


# ---- a checkpoint written and read back mid-training -------------------------------------------
def resumed(directory, steps=4, frozen=False):
    x, y = measurements()

    def fresh():
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                     tf.keras.layers.Dense(1)])
        model.build((None, 4))
        return model, tf.keras.optimizers.Adam(0.01)
    model, optimizer = fresh()
    variables = model.trainable_variables
    losses = []
    for step in range(steps):
        if step == steps // 2:   # the notebook's kernel restarted: back from the checkpoint
            manager = tf.train.CheckpointManager(
                tf.train.Checkpoint(model=model, optimizer=optimizer), directory, max_to_keep=1)
            manager.save()
            model, optimizer = fresh()
            tf.train.Checkpoint(model=model, optimizer=optimizer).restore(manager.latest_checkpoint)
            variables = model.trainable_variables
            if frozen:
                model.layers[0].trainable = False   # FROZEN: after its variables were read
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))   # APPLY
        losses.append(float(loss))
    return losses


def test_a_model_restored_mid_training_trains_on_as_before_and_is_drawn_by_its_new_names(
        tmp_path):
    losses, rec = recorded(resumed, tmp_path / "a")
    tf.keras.backend.clear_session()
    tf.random.set_seed(0)
    assert np.allclose(losses, resumed(tmp_path / "b"))   # recorded or not, the same run
    assert len(rec.steps) == 4 and losses[3] < losses[0]
    before, after = (set(rec.steps[i].variable_gradients) for i in (1, 2))
    assert len(before) == len(after) == 4 and not before & after   # the restored model's own
    widget = widget_of(rec)
    stepped_to_the_end(widget)
    assert set(stepped_gradients(widget)) == {name.split(":")[0] for name in after}
    widget.close()
    assert diagnose(rec) == []
    shown = trained_by_dashboard(lambda: resumed(tmp_path / "c"))
    assert shown["steps"] == 4 and shown["alerts"] == []


def test_a_layer_frozen_after_the_restore_but_still_trained_is_diagnosed(tmp_path):
    _, rec = recorded(resumed, tmp_path, steps=6, frozen=True)
    [finding] = [f for f in diagnose(rec) if f.kind == "frozen_layer_trained"]
    assert at("# FROZEN") in finding.message and at("# APPLY") in finding.message


def test_a_gradient_check_of_the_learning_rates_cast_passes():
    """The schedule's rate, cast to float32 in apply_gradients: its gradient check ran in
    float64 but the cast's own dtype took each shifted value back to float32, whose
    resolution (3e-8 at 0.28) over an eps of 1e-6 is 3%: 'cast: gradient check FAILED; max
    rel error 0.0131' for a VJP that is right."""
    _, rec = recorded(clipped, steps=1)
    widget = widget_of(rec)
    casts = [k for k, n in widget.view.nodes.items() if n.label == "cast"]
    assert casts
    for cast in casts:
        widget.selected = cast
        assert "gradient check passed" in widget.gradient_check()
    widget.close()
