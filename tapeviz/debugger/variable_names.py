"""A variable's name as the user's code gives it, read from the statement that made it:
`w1` for `w1 = torch.zeros(3, 8, requires_grad=True)` or `w1 = tf.Variable(...)`, `w` for
`w.requires_grad_()`. The torch adapter names a raw tensor's Variable by it once, when the
tensor is made, so the widget, the inspector and the findings say one name; `diagnose`
names the numpy engine's unnamed Variables by it. A statement gives no name it does not
give honestly: a helper's `p = torch.full(...)` whose function returns `p` (its callers
name each tensor it makes), a loop's `w` that each pass appends to a list, several targets,
a subscript.
"""
from __future__ import annotations

import ast
import functools
import linecache
import re

from ..model_calls import bound_name, optimizer_bound
from ..variable import Variable, VariableRead
from .op_inputs import written_arguments
from ..statements import parse_source

# tf.Variable(...) given no name ('Variable_1:0'); a torch tensor no statement names, by the
# op that made it ('full:0'), or 'leaf:0' when its making was not seen
_UNNAMED_TF = re.compile(r"^Variable(_\d+)?:\d+$")
_UNNAMED_TORCH = re.compile(r"^[A-Za-z_]\w*:\d+$")   # its names from code have no ':0'
_ITEM = re.compile(r"(?:^|\.)(\d+)(?=\.|$)")   # a container's child: an item of it

# filename -> (the lines parsed, [(first line, last line, its shared names) of each scope])
_scopes: dict = {}


def unnamed(variable) -> bool:
    """Whether `variable` has only a name its engine made up (no code named it)."""
    if type(variable) is Variable:
        return bool(_UNNAMED_TF.match(variable.name))
    return bool(_UNNAMED_TORCH.match(variable.name))


def as_code(path: str) -> str:
    """A torch module or parameter path as code reaches it: 'model.0.weight' is
    'model[0].weight' (an nn.Sequential's child is an item, not an attribute)."""
    return _ITEM.sub(r"[\1]", path)


def torch_in_code(path: str, scope: str | None = None, runnable: bool = False) -> str:
    """A torch parameter or module path, as `named_parameters()` names it, as the user's code
    reaches it: 'model.0.weight' of an nn.Sequential bound to `model` is 'model[0].weight';
    one named from inside its root, as `scope` (the layer that reads it) shows, is reached
    from the model by the name the code binds it to (`model_in_code`):
    'body.0.weight' of 'Net/body/0' 'model.body[0].weight', 'hidden.weight' of 'Net/hidden'
    'model.hidden.weight', layer 'conv1' of 'Net/conv1' 'model.conv1'. With no scope, one
    with an item or `runnable` (code to run) is told by its second part ('model.0.weight' a
    root's); a layer called alone ('linear/weight') and any other stays as it is."""
    parts, inside = path.split("."), (scope or "").split("/")[1:]
    if "/" in path or ":" in path or parts[0].isdigit():
        return path
    if inside:
        under = inside in (parts, parts[:-1])
    elif len(parts) > 1 and (runnable or _ITEM.search(path)):
        under = not parts[1].isdigit()
    else:
        return path
    return (f"{model_in_code(scope)}." if under else "") + as_code(path)


def model_in_code(scope: str | None) -> str:
    """The name the user's code binds the model at the root of layer path `scope` to ('net'
    for `net = Net()`, as the torch adapter found it at the model's call), else 'model', the
    usual name."""
    return bound_name(scope) or "model"


def torch_layer_in_code(op_name: str, scope: str) -> str:
    """The torch module of layer path `scope` that ran op `op_name`, as the user's code
    reaches it from the model (`model_in_code`), with its kind when its path alone does not
    say it: 'model[0] (Linear)' for a linear in 'Sequential/0' of an nn.Sequential bound to
    `model`, 'net.body[1] (ReLU)' for 'Net/body/1' of `net = Net()`, 'model.conv1'; a root
    module called alone, as the code binds it ('loss_fn'), else by its scope."""
    _, *rest = scope.split("/")
    if not rest:
        return bound_name(scope) or scope   # (not 'model' for an unbound nn.MSELoss()(...))
    path = as_code(".".join([model_in_code(scope), *rest]))
    module = _MODULES.get(op_name)
    return path + (f" ({module})" if module and path.endswith("]") else "")


# torch's op -> the module that runs it
_MODULES = {"relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "tanh": "Tanh",
            "dropout": "Dropout", "batch_norm": "BatchNorm", "linear": "Linear",
            "conv1d": "Conv1d", "conv2d": "Conv2d", "conv3d": "Conv3d"}


def optimizer_in_code(update) -> str:
    """The name the user's code binds the optimizer that made torch update node `update` to
    ('opt' for `opt = torch.optim.SGD(...)`, found as `model_in_code`'s), else 'optimizer'."""
    return optimizer_bound(update.scope if update is not None else None) or "optimizer"


def scope_reading(name: str, nodes) -> str | None:
    """The layer scope of the first of `nodes` that reads the variable named `name`."""
    return next((node.scope for node in nodes for tensor in node.inputs
                 if type(tensor) is VariableRead and tensor.variable.name == name), None)


def reached_name(name: str, nodes) -> str:
    """A variable's name as a finding says it: a torch parameter's as code reaches it in the
    layer `nodes` read it in (`torch_in_code`), any other as it is."""
    return torch_in_code(name, scope_reading(name, nodes))


def name_in_code(variable, seen=()) -> str | None:
    """The name the line that made `variable` gives it: 'w' for `w = tf.Variable(3.0)`; for
    `w, b = tf.Variable(0.0), tf.Variable(0.0)` each by the order they were made, when `seen`
    (the variables around it) holds as many made there as the line names. None when the
    line gives none, or its one name to several variables `seen` holds (a helper's `p`)."""
    made = variable.made_at
    if made is None:
        return None
    there = {id(other): other for other in seen if other.made_at == made}
    there[id(variable)] = variable   # (by id: a Variable's == is elementwise)
    name = name_made_at(made)
    if name is not None:
        return name if len(there) == 1 else None
    names = names_made_at(made)
    if names is None or len(names) != len(there):
        return None   # (the line ran more than once, or not all it made are seen)
    order = sorted(there, key=lambda key: there[key]._unique_id)
    return names[order.index(id(variable))]


def shown_name(variable, seen=()) -> str:
    """`variable` named for a person: as the code names it ('w', not TF's 'Variable_1:0'), else
    by the name it was given without TF's ':0' ('b' for name="b", 'dense/kernel'; 'w' for the
    'w_1:0' TF gives a second live variable named 'w', which `shown_names` tells apart); an
    unnamed one no line names keeps TF's name. `seen`: the variables shown with it
    (`name_in_code`)."""
    name = variable.name
    if unnamed(variable):
        return name_in_code(variable, seen) or name
    plain = name[:-2] if name.endswith(":0") else name
    given = getattr(variable, "_base_name", None)   # TF's suffix tells live ones apart only
    if given is not None and plain != given and re.fullmatch(rf"{re.escape(given)}_\d+", plain):
        return given
    return plain


def shown_names(variables, seen=None, taken=()) -> dict:
    """id(variable) -> its `shown_name` for each of `variables` (each seen with `seen`, by
    default with them all), in their order; one that would read as a name given before it
    (or one in `taken`, given elsewhere) keeps its own full name, so no two read alike."""
    seen = variables if seen is None else seen
    names, given = {}, set(taken)
    for variable in variables:
        if id(variable) not in names:
            name = shown_name(variable, seen)
            names[id(variable)] = name = variable.name if name in given else name
            given.add(name)
    return names


def purpose(tensor) -> str | None:
    """What a variable the user did not make is for, in words a newcomer reads beside the
    name TF gives it ('SGD/iter'): 'the SGD optimizer's step count, 3' (`tensor`: the
    variable, or a read of it: 'the SGD optimizer's step count, 2 when this step read it');
    None for any other variable."""
    optimizer = counted_by(tensor)
    if optimizer is None:
        return None
    when = " when this step read it" if isinstance(tensor, VariableRead) else ""
    return f"the {optimizer} optimizer's step count, {int(tensor._value)}{when}"


def counted_by(tensor) -> str | None:
    """The optimizer ('SGD') whose step count `tensor` (a variable or a read of it) is, else
    None."""
    from ..keras.optimizers.base import optimizer_class_of   # keras imports the debugger
    variable = getattr(tensor, "variable", tensor)
    optimizer = optimizer_class_of(variable) if isinstance(variable, Variable) else None
    # (TF 1's GradientDescentOptimizer: 'the GradientDescent optimizer's', not twice)
    return None if optimizer is None else optimizer.removesuffix("Optimizer")


def _one_statement(source):
    """The one statement of the user's line at `source`, parsed; None when there is none,
    several, or it does not parse alone."""
    if source is None:
        return None
    try:
        body = _parsed(source.statement)
    except (SyntaxError, ValueError):
        return None
    return body[0] if len(body) == 1 else None


@functools.lru_cache(maxsize=512)
def _parsed(statement: str) -> list:
    """`statement`'s parsed body, kept: each widget open, step and legend names its
    variables again (~140k instructions a variable parsed anew). Read, never changed."""
    return parse_source(statement).body


def name_made_at(source) -> str | None:
    """The name the statement at `source` (a SourceInfo) gives what it makes: 'w1' for
    `w1 = torch.zeros(3, 8, requires_grad=True)`, 'w' for `w.requires_grad_()` or
    `w.requires_grad = True`; None when it gives none, several, or one that stands for
    many tensors (`_shared_names`)."""
    statement = _one_statement(source)
    name = _target(statement) if statement is not None else None
    if name is None:
        return None
    return name if stands_for_one(name, source) else None


def names_made_at(source) -> list | None:
    """The names a statement that makes several tensors gives them, in the order it makes
    them: ['w', 'b'] for `w, b = tf.Variable(0.0), tf.Variable(0.0)`; None for any other
    statement, or when one of its names stands for many tensors."""
    statement = _one_statement(source)
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    targets, values = statement.targets[0], statement.value
    if not (isinstance(targets, ast.Tuple) and isinstance(values, ast.Tuple)
            and len(targets.elts) == len(values.elts) > 1
            and all(map(_binds_what_it_makes, values.elts))):
        return None
    names = [_dotted(target) for target in targets.elts]
    if None in names or not all(stands_for_one(name, source) for name in names):
        return None
    return names


def stands_for_one(name: str, source) -> bool:
    """Whether `name` ('w', 'self.w') at `source`'s line stands for one tensor (not a loop's
    `p` of `for p in params:`, an argument, a helper's returned name)."""
    per_call, returned = _shared_names(source.filename, source.lineno)
    return name.split(".")[0] not in per_call | returned


def name_read_at(op, source, argument: int, count: int) -> str | None:
    """The name the statement at `source` passes as input `argument` of `op`'s `count`
    ('w' for `x @ w`'s second), when it writes every input of one call of `op` and that
    one as a plain name that stands for one tensor; else None."""
    written = written_arguments(op, source, count)
    name = written[argument]
    if not all(written) or not name.isidentifier() or \
            name in _shared_names(source.filename, source.lineno)[0]:
        return None   # ('' for one: a method's receiver is not among the arguments written)
    return name


def _target(statement: ast.stmt) -> str | None:
    """The one name a statement binds what its call makes to (not `ws = [make()]`)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Attribute) and target.attr == "requires_grad":
            target = target.value   # `w.requires_grad = True`
        elif not _binds_what_it_makes(statement.value):
            return None
    elif isinstance(statement, ast.AnnAssign) and _binds_what_it_makes(statement.value):
        target = statement.target
    elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
            isinstance(statement.value.func, ast.Attribute) and \
            statement.value.func.attr == "requires_grad_":
        target = statement.value.func.value   # `w.requires_grad_()`
    else:
        return None
    return _dotted(target)


def _binds_what_it_makes(value) -> bool:
    """Whether an assigned value is the call that makes the tensor: not a copy made of its
    result (`torch.randn(3, requires_grad=True).double()` binds a copy that is no leaf),
    except a marking, which returns its receiver (`(...).requires_grad_()`)."""
    if not isinstance(value, ast.Call):
        return False
    chained = isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call)
    return not chained or value.func.attr == "requires_grad_"


def _dotted(node) -> str | None:
    """'w' or 'self.w' for a name or an attribute chain of names; else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner is not None else None
    return None


def _shared_names(filename: str, lineno: int) -> tuple:
    """The names that stand for many tensors at line `lineno`, so none of them names one:
    (those of the innermost function or module holding it whose every call or pass has its
    own: the function's arguments, its loops' and comprehensions' targets; the names it
    returns, a helper's `p`, which its callers name each; those a loop collects,
    `params.append(w)`). One that makes, trains and returns its `w` is taken for a helper
    too: it may be called twice."""
    lines = linecache.getlines(filename)
    cached = _scopes.get(filename)
    if cached is None or cached[0] is not lines:
        try:
            tree = parse_source("".join(lines))
        except (SyntaxError, ValueError):
            scopes = []
        else:
            scopes = [(getattr(node, "lineno", 1), getattr(node, "end_lineno", len(lines)),
                       _shared_in(node)) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef))]
        cached = _scopes[filename] = (lines, scopes)
    holding = [scope for scope in cached[1] if scope[0] <= lineno <= scope[1]]
    if not holding:
        return frozenset(), frozenset()
    return min(holding, key=lambda scope: scope[1] - scope[0])[2]


def _shared_in(scope) -> tuple:
    names, returned = set(), set()
    if not isinstance(scope, ast.Module):
        names.update(a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg))
    todo = list(scope.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue   # a nested function's names are its own
        if isinstance(node, ast.Return) and node.value is not None:
            returned.update(_names(node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            names.update(_names(node.target))
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            names.update(_collected(node))
        todo.extend(ast.iter_child_nodes(node))
    return frozenset(names), frozenset(returned)


_COLLECTING = frozenset({"append", "extend", "insert", "add"})


def _collected(loop) -> set:
    """The names a loop binds and keeps each pass's value of in a container (`w = ...;
    params.append(w)`): each stands for as many tensors as the loop ran passes. (Not a copy
    kept, `ws.append(w.detach().clone())`: `w` may still be one tensor.)"""
    inside = list(ast.walk(loop))
    kept = {argument.id for node in inside if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in _COLLECTING
            for argument in node.args if isinstance(argument, ast.Name)}
    bound = {target.id for node in inside if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name)}
    return kept & bound


def _names(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
