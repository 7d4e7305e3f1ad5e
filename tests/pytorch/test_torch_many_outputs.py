"""A torch call that returns several tensors (torch.max's values and indices, split's pieces,
sort, topk, an LSTM's output and (h, c)) is one node per tensor, as the numpy engine writes
such ops: an op reading any of them is linked to the call that made it, not drawn as reading
a constant."""
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.viz import TapeWidget


def _producer(tape, tensor):
    """The node whose output is `tensor` (a consumer's input), or None."""
    return next((node for node in tape.nodes if node.output is tensor), None)


def test_every_output_of_max_split_sort_and_topk_is_linked_to_the_op_that_made_it():
    x = torch.randn(3, 4, requires_grad=True)
    with tvt.record() as tape:
        _, indices = torch.max(x, 1)
        indices.float()
        _, second = x.split(2, dim=1)
        second * 3
        _, order = x.sort(dim=1)
        order.sum()
        top, where = x.topk(2)
        where.float() + top
    made_by = {id(node.output): node for node in tape.nodes}
    read = [[(made_by[id(t)].op.name, made_by[id(t)].params.get("output"))
             if id(t) in made_by else "leaf" for t in node.inputs] for node in tape.nodes]
    names = [(node.op.name, node.params.get("output")) for node in tape.nodes]
    assert list(zip(names, read)) == [
        (("max", None), ["leaf"]), (("max", 1), ["leaf"]), (("float", None), [("max", 1)]),
        (("split", None), ["leaf"]), (("split", 1), ["leaf"]), (("mul", None), [("split", 1)]),
        (("sort", None), ["leaf"]), (("sort", 1), ["leaf"]), (("sum", None), [("sort", 1)]),
        (("topk", None), ["leaf"]), (("topk", 1), ["leaf"]), (("float", None), [("topk", 1)]),
        (("add", None), [("float", None), ("topk", None)])]
    widget = TapeWidget(tape)   # drawn with its edges: no op reads a constant
    inputs = [section["content"][1:] for i in range(len(tape.nodes))
              for section in widget.inspect(f"n{i}")["sections"] if section["title"] == "Inputs"]
    assert not any(row[1] == "constant" for rows in inputs for row in rows)


def test_an_lstms_hidden_and_cell_states_are_outputs_of_the_lstm():
    torch.manual_seed(0)
    lstm, head = nn.LSTM(3, 4, batch_first=True), nn.Linear(4, 1)
    with tvt.record() as tape:
        _, (h, c) = lstm(torch.randn(2, 5, 3))
        head(h[-1] + c[-1]).sum().backward()
    lstms = [n for n in tape.nodes if n.op.name == "lstm"]
    assert [n.params.get("output") for n in lstms] == [None, 1, 2]
    [getitem_h, getitem_c] = [n for n in tape.nodes if n.op.name == "getitem"]
    assert _producer(tape, getitem_h.inputs[0]) is lstms[1]
    assert _producer(tape, getitem_c.inputs[0]) is lstms[2]
    [step] = [s for s in tape.steps if s.node.op.name == "lstm"]   # one backward step
    assert step.node is lstms[0]
