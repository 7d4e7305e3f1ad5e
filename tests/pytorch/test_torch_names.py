"""A raw torch tensor with `requires_grad` has one name wherever tapeviz shows it (the graph,
the inspector, the findings): the name the user's code gives it, found once, from the
statement that made it (`w = torch.zeros(..., requires_grad=True)`) or, for a tensor made
before anyone listened, from the statement that first reads it (`x @ w`). Where a name
stands for many tensors (a helper's returned `p`, a function's argument, a loop variable)
it names none of them: the tensor is named by the op that made it instead."""
import torch
import torch.nn.functional as F
from test_torch_program_bugs import findings, raw_tensor_regression, regression_data

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder
from tapeviz.viz import TapeWidget
from tapeviz.viz.graph import Graph
from tapeviz.viz.scene import Scene


def drawn_variables(tape) -> list:
    return sorted(n.label for n in Graph.from_tape(tape).nodes.values() if n.kind == "variable")


def test_tensors_made_before_recording_are_drawn_inspected_and_found_by_their_code_names():
    rec, _ = raw_tensor_regression(+1)   # w, b made before the Recorder, read as x @ w + b
    widget = TapeWidget(rec)
    labels = {n.id: n.label for n in Scene(rec).graph().nodes.values() if n.kind == "variable"}
    assert sorted(labels.values()) == ["b", "w"]
    for node_id, label in labels.items():
        assert widget.inspect(node_id)["title"].startswith(f"parameter {label}")
    [finding] = findings("gradient_ascent", rec)
    assert finding.variables == ("w", "b")
    assert "leaf" not in finding.message


def test_a_tensor_made_while_recording_is_named_by_the_statement_that_made_it():
    x, y = regression_data()
    with tvt.record() as tape:
        weights = torch.zeros(3, 1, requires_grad=True)
        scale = torch.ones(1)
        scale.requires_grad_()
        loss = F.mse_loss((x * scale) @ weights, y)   # neither is read as a plain name here
        loss.backward()
    assert drawn_variables(tape) == ["scale", "weights"]


def test_names_that_stand_for_many_tensors_name_none_of_them():
    x, y = regression_data()
    first = torch.randn(3, 4, requires_grad=True)
    second = torch.randn(4, 1, requires_grad=True)

    def layer(h, weight):
        return torch.tanh(h @ weight)   # weight: each call's own tensor

    def parameter(*shape):
        p = torch.full(shape, 0.1, requires_grad=True)
        return p   # p: each call's own tensor, named by its caller

    with tvt.record() as tape:
        h = layer(x, first)
        for p in (second,):
            h = h @ p
        bias = parameter(1)
        loss = F.mse_loss(h + bias, y)
        loss.backward()
    drawn = drawn_variables(tape)
    assert not {"weight", "p", "h", "bias"} & set(drawn)
    assert len(drawn) == 3
    assert sum(name.startswith("full") for name in drawn) == 1   # by the op that made it
    assert sum(name.startswith("leaf") for name in drawn) == 2   # made unseen, read unnamed


def test_a_tensor_made_anew_each_step_is_named_in_each_step():
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(3):
            w = torch.zeros(3, 1, requires_grad=True)
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
    assert [[v.name for v in step.gradient_sources] for step in rec.steps] == [["w"]] * 3
    assert len({id(step.gradient_sources[0]) for step in rec.steps}) == 3


def test_tensors_a_loop_makes_and_collects_are_not_all_named_by_its_variable():
    x, y = regression_data()
    with tvt.record() as tape:
        params = []
        for size in (4, 1):
            w = torch.randn(len(params) and 4 or 3, size, requires_grad=True)
            params.append(w)   # w: each pass's own tensor, read as params[0], params[1]
        loss = F.mse_loss(torch.tanh(x @ params[0]) @ params[1], y)
        loss.backward()
    drawn = drawn_variables(tape)
    assert "w" not in drawn and len(set(drawn)) == 2
    assert all(name.startswith("randn") for name in drawn)   # by the op that made them


def test_a_tensor_whose_copies_a_loop_collects_keeps_its_name():
    x, y = regression_data()
    w = torch.zeros(3, 1, requires_grad=True)
    trajectory = []
    with tvt.record() as tape:
        for _ in range(2):
            loss = F.mse_loss(x @ w, y)
            loss.backward()
            trajectory.append(w.detach().clone())   # copies kept, w is still one tensor
    assert drawn_variables(tape) == ["w"]


def test_a_leaf_whose_statement_binds_a_copy_of_it_is_not_named_by_it():
    """`w = torch.randn(..., requires_grad=True).double()`: w is the copy (not a leaf, its
    .grad stays None), so the leaf the graph draws is not w."""
    x, y = regression_data()
    with tvt.record() as tape:
        w = torch.randn(3, 1, requires_grad=True).double()
        loss = F.mse_loss(x.double() @ w, y.double())
        loss.backward()
    assert not w.is_leaf
    [drawn] = drawn_variables(tape)
    assert drawn.startswith("randn")   # by the op that made it


def test_a_leaf_marked_at_the_end_of_a_chain_is_named_by_its_statement():
    x, y = regression_data()
    with tvt.record() as tape:
        w = (torch.randn(3, 1) * 0.1).double().requires_grad_()
        loss = F.mse_loss(x.double() @ w, y.double())
        loss.backward()
    assert w.is_leaf and drawn_variables(tape) == ["w"]


def test_an_ascent_through_a_loop_variable_names_each_tensor_as_the_graph_draws_it():
    """`for p in params: p += lr * p.grad`: p is each tensor in turn, so it names neither."""
    x, y = regression_data()
    params = [torch.zeros(3, 1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    with Recorder() as rec:
        for _ in range(6):
            loss = ((x @ params[0] + params[1] - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p += 0.05 * p.grad
                    p.grad.zero_()
    [finding] = findings("gradient_ascent", rec)
    drawn = [v.name for v in rec.last_step.gradient_sources]
    assert sorted(finding.variables) == sorted(drawn)
    assert all(f"variable {name}, read by" in finding.message for name in drawn)
    assert "move p and p" not in finding.message


def test_two_models_of_one_class_never_share_a_layer_path_or_a_parameter_name():
    """A GAN's generator and discriminator are both `nn.Sequential`: their layers group apart
    and each parameter's gradient is kept under its own name (the name the code gives the
    model, then named_parameters()'s), the value torch computed."""
    torch.manual_seed(0)
    generator = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    critic = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with Recorder() as rec, tvt.record() as tape:
        loss = -critic(generator(torch.randn(8, 2))).mean()
        loss.backward()
    scopes = [node.scope for node in tape.nodes if node.op.name == "linear"]
    assert scopes == ["Sequential/0", "Sequential/2", "Sequential_1/0", "Sequential_1/2"]
    kept = rec.last_step.variable_gradients
    expected = {**{f"generator.{name}": p.grad for name, p in generator.named_parameters()},
                **{f"critic.{name}": p.grad for name, p in critic.named_parameters()}}
    assert sorted(kept) == sorted(expected)
    for name, grad in expected.items():
        assert torch.equal(torch.as_tensor(kept[name].numpy()), grad), name
