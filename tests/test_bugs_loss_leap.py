"""The guide's MNIST CNN with Adam(learning_rate=10) (a slip for 1e-3): the first update
throws the weights far past the minimum and the loss leaps ~1e5x in one step, then falls
back as units die, so it never climbs step after step as a divergence. `diagnose` names the
leap, the update and the line that set the rate (marked here, looked up, never hard-coded)
first, where it said only 'dead ReLU' (the numpy engine) or nothing (torch). Adam's default
rate gives no finding. The torch twin: tests/pytorch/test_bugs_loss_leap_torch.py."""
import tapeviz as tf
from programs import guide_cnn_recorded, marked_line
from tapeviz.debugger import diagnose


def test_adam_at_a_learning_rate_of_10_names_the_leap_and_the_rate():
    optimizer = tf.keras.optimizers.Adam(learning_rate=10)  # BUG: lr
    found = diagnose(guide_cnn_recorded(optimizer))
    leap = found[0]
    assert leap.kind == "loss_leap"
    assert leap.message.startswith("the loss leaps x")
    assert " in one step, 2.3" in leap.message and " at step 1 -> " in leap.message
    assert (f"; the optimizer's learning rate was set at tests/"
            f"{marked_line(__file__, '# BUG: lr')}: ") in leap.message
    assert leap.message.endswith("hint: the learning rate is far too large: one update threw "
                                 "the weights far past the minimum; lower it (by 10x or more, "
                                 "until the loss falls steadily: Adam's default 0.001, SGD's "
                                 "0.01)")


def test_adam_at_its_default_rate_is_no_finding():
    assert diagnose(guide_cnn_recorded(tf.keras.optimizers.Adam())) == []
