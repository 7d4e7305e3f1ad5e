"""Bugs in how a training program is written, each a `diagnose` finding with the op, the user's
line, the figures and the fix: gradient ascent by a sign error (`ascent`), hidden units
initialised identical (`symmetry`), a softmax or cross-entropy over the batch axis
(`batch_axis`), a softmax's output given to a loss that applies softmax itself
(`double_softmax`), a sigmoid's to one that applies the sigmoid (`double_sigmoid`), a relu,
sigmoid or tanh on the last layer before a loss that applies softmax (`activated_logits`), a
cross-entropy written by hand, the log of a softmax's or sigmoid's output
(`log_of_probability`), a Huber loss by hand whose `where` picks the wrong branch
(`huber_branches`), torch's nll_loss given logits or probabilities (`nll_input`), image
pixels fed unscaled (`input_scale`), a Variable or an optimizer made inside the loop
(`loop_variables`, `optimizer_in_loop`), gradients never zeroed or a sum of them never reset
(`accumulation`), an evaluation run in training mode, or training run with dropout or an
unfitted batch norm in inference mode (`train_mode`), a loss of more than one value
(`loss_shape`), a Variable rebound to a Tensor by `w = w - lr * g` (`rebound`; a torch parameter by
`w = w - lr * w.grad`, `rebound_parameter`), a regularizer's penalty left out of a custom
loop's loss (`regularization`), gradients never applied (`unapplied`), some weights left out
of every update while the others train (`left_out`), applied by updates that change
nothing, a learning rate of 0
(`unmoved`), or far too small to move the loss (`small_updates`), or clipped far below their
norm (`over_clipped`, torch's; `clip_norm`, the numpy engine's), or by an Adam whose epsilon
outweighs the gradients (`adam_epsilon`), cleared or replaced between the gradient call and
the update (`cleared`), or applied twice a step (`applied_twice`), one loss differentiated
twice a step (`backward_twice`), torch's loss tensor summed into a running total, which
keeps every step's graph (`running_total`), a model run outside torch.no_grad() whose graph
no backward pass reads (`unused_graph`), a frozen layer trained through a list of its
variables read before the freeze or `model.weights` (`frozen`), a layer's non-trainable
variables given to the tape (`weights_given`), images divided by 255 twice (`input_scale`)
or by `// 255` (`integer_division`), a reshape that mixes the batch's examples
(`mixed_batch`), an evaluation on data centred by its own mean (`own_statistics`) or on the
examples it trained on (`training_data`), training labels memorised while every later
evaluation stays at chance (`memorised_labels`), training and evaluated data scaled apart,
one standardised and the other not (`scaled_apart`), batches of one class each, data sorted
by label and never shuffled (`sorted_batches`), predictions by an argmax along the examples
or over the flattened logits (`argmax_axis`), a multi-class accuracy by a threshold
matched element by element with one-hot labels, or logits thresholded as probabilities
(`threshold_accuracy`), on the numpy
engine's recordings and the torch adapter's alike (`op_index.role` reads torch's op names
as the numpy engine's). The shown step's nodes are walked once (`op_index`); the steps only
as far as each check needs.
"""
from __future__ import annotations

from .accumulation import accumulated_gradients, summed_without_reset
from .activated_logits import activated_logits
from .adam_epsilon import epsilon_outweighs_gradients
from .applied_twice import applied_twice
from .argmax_axis import argmax_over_examples
from .backward_twice import backward_twice
from .batch_axis import over_batch_axis
from .batch_means import mean_of_uneven_batch_means
from .cleared import gradients_cleared
from .clip_norm import norm_clipped_far_below
from .double_sigmoid import sigmoid_given_as_logits
from .double_softmax import softmax_given_as_logits
from .frozen import frozen_layers_trained
from .late_step import applied_a_step_late
from .left_out import left_out_of_updates
from .huber_branches import huber_branches_crossed
from .huber_delta import huber_delta_too_small
from .input_scale import unscaled_input
from .integer_division import integer_divided_pixels
from .log_of_probability import logs_of_probabilities
from .memorised_labels import memorised_labels
from .nll_input import nll_given_no_log_probabilities
from .loop_variables import variables_made_in_loop
from .loss_shape import non_scalar_loss
from .mixed_batch import batch_mixed
from .rebound import variables_rebound
from .regularization import regularization_left_out
from .rebound_parameter import parameters_rebound
from .running_total import running_loss_total
from .scaled_apart import divergence_explained, scaled_apart
from .small_updates import updates_too_small
from .sorted_batches import batches_of_one_class
from .op_index import ops_named
from .optimizer_in_loop import optimizer_made_in_loop
from .over_clipped import gradients_over_clipped
from .own_statistics import standardised_by_own_statistics
from .repeated_layer import layers_repeated
from .symmetry import symmetric_kernels
from .threshold_accuracy import logits_thresholded, thresholded_against_one_hot
from .training_data import evaluated_on_training_data
from .truncated_input import truncated_input
from .train_mode import (batch_norm_unfitted_in_training, inference_mode_in_training,
                         training_mode_in_evaluation)
from .unapplied import gradients_never_applied, last_trained
from .unmoved import updates_that_change_nothing
from .unused_graph import graph_never_differentiated
from .weights_given import non_trainable_given


def with_program_bugs(found: list, nodes, steps, gradients: dict, ascent=None) -> list:
    """`ascent` (gradient ascent's finding over the steps, `ascent.find_ascent`, or None)
    and these findings, then `found` (diagnose's findings so far, which leave out a
    divergence that `ascent` explains). `nodes`: the shown step's forward nodes; `steps`:
    the recorded steps; `gradients`: {variable name: gradient} of the shown step (when it
    has none, the last step that has is read instead)."""
    # a step that raised is no evaluation, though it got no gradient: judged without it
    judged = steps[:-1] if steps and steps[-1].error is not None else steps
    evaluation = (training_mode_in_evaluation(judged)   # read before the step is swapped
                  + standardised_by_own_statistics(judged) + evaluated_on_training_data(judged)
                  + mean_of_uneven_batch_means(judged) + memorised_labels(judged)
                  + scaled_apart(judged))
    last_steps = last_trained(steps)
    piled = accumulated_gradients(steps) or summed_without_reset(steps)
    cleared = gradients_cleared(steps)
    if cleared:   # their zero gradients' cause: no dead ReLU, masked path or constant input
        found = [f for f in found if f.kind != "zero_gradient"
                 or not set(f.variables) <= set(cleared[0].variables)]
    if steps and not gradients:   # model.fit's last step only averages its metrics
        trained = next((step for step in reversed(steps) if step.variable_gradients), None)
        if trained is not None:
            nodes = [node for node in trained.nodes if node.phase == "forward"]
            gradients = trained.variable_gradients
    by_op = ops_named(nodes)
    named = {name for finding in found for name in finding.variables}
    more = (non_scalar_loss(steps) + variables_rebound(steps) + parameters_rebound(steps)
            + over_batch_axis(by_op, nodes)
            + softmax_given_as_logits(by_op, nodes) + sigmoid_given_as_logits(by_op, nodes)
            + activated_logits(by_op, nodes) + huber_branches_crossed(nodes)
            + logs_of_probabilities(by_op, nodes) + nll_given_no_log_probabilities(nodes)
            + unscaled_input(by_op, nodes) + integer_divided_pixels(by_op)
            + truncated_input(by_op, nodes) + batch_mixed(by_op, nodes)
            + symmetric_kernels(by_op, nodes, gradients, named)
            + layers_repeated(by_op, nodes)
            + variables_made_in_loop(steps, nodes) + optimizer_made_in_loop(last_steps) + piled
            + batches_of_one_class(steps) + argmax_over_examples(steps, nodes)
            + thresholded_against_one_hot(steps, nodes) + logits_thresholded(steps, nodes)
            + gradients_over_clipped(last_steps)
            + evaluation
            + gradients_never_applied(steps, last_steps) + left_out_of_updates(steps, last_steps)
            + (cleared or norm_clipped_far_below(last_steps)
               or updates_that_change_nothing(steps) or huber_delta_too_small(last_steps)
               or updates_too_small(steps)
               or epsilon_outweighs_gradients(last_steps))
            + frozen_layers_trained(last_steps, steps) + regularization_left_out(last_steps)
            + applied_twice(last_steps, steps) + applied_a_step_late(last_steps)
            + non_trainable_given(last_steps)
            + backward_twice(last_steps) + running_loss_total(steps, nodes)
            + graph_never_differentiated(steps, nodes)
            + (inference_mode_in_training(last_steps)
               or batch_norm_unfitted_in_training(last_steps)))
    if ascent is not None:
        more.insert(0, ascent)
    return divergence_explained(more + found)   # causes first: the symptoms follow
