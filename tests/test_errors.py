"""Each kind of user error names the op, the shapes or dtypes, and the caller's line,
and no NumPy traceback reaches the user."""

import inspect
import subprocess
import sys

import pytest

import ember
from ember.errors import DTypeError, GraphError, ShapeError

x23 = ember.zeros(2, 3)
x34 = ember.zeros(3, 4)
ints = ember.tensor([1, 2, 3])

# (description, call, error type, fragments the message must contain)
CASES = [
    (
        "broadcast",
        lambda: ember.zeros(2, 3) + ember.zeros(4),
        ShapeError,
        ["add", "(2, 3)", "(4,)", "cannot be broadcast"],
    ),
    (
        "matmul",
        lambda: ember.zeros(32, 100) @ ember.zeros(784, 128),
        ShapeError,
        ["matmul: shapes (32, 100) and (784, 128) do not align: 100 != 784"],
    ),
    ("reshape", lambda: x23.reshape(4, 2), ShapeError, ["reshape", "(4, 2)", "(2, 3)"]),
    ("reshape infer", lambda: x23.reshape(4, -1), ShapeError, ["reshape", "(2, 3)"]),
    ("reduction dim", lambda: x23.sum(dim=2), ShapeError, ["sum", "dim", "2"]),
    ("softmax dim", lambda: ember.softmax(x23, dim=-3), ShapeError, ["softmax", "dim"]),
    ("cat", lambda: ember.cat([x23, x34]), ShapeError, ["cat", "(2, 3)", "(3, 4)"]),
    ("permute", lambda: x23.permute(0, 0), ShapeError, ["permute", "(2, 3)"]),
    ("index range", lambda: x23[5], ShapeError, ["getitem", "5", "2"]),
    (
        "gather dtype",
        lambda: ember.gather(x23, 1, ember.zeros(2, 3)),
        DTypeError,
        ["gather", "float32"],
    ),
    ("bitwise float", lambda: x23 & x23, DTypeError, ["bitwise_and", "float32"]),
    ("mean of ints", lambda: ints.mean(), DTypeError, ["mean", "int64"]),
    ("where condition", lambda: ember.where(x23, x23, x23), DTypeError, ["where", "bool"]),
    ("bad operand", lambda: ember.add(x23, "a"), DTypeError, ["add", "str"]),
    (
        "broadcast_to",
        lambda: ember.broadcast_to(x23, (3, 3)),
        ShapeError,
        ["broadcast_to", "(2, 3)", "(3, 3)"],
    ),
    ("inplace shape", lambda: ember.zeros(3).add_(x23), ShapeError, ["add_", "(2, 3)"]),
    ("clamp", lambda: ember.clamp(x23), ValueError, ["clamp", "min", "max"]),
]


@pytest.mark.parametrize("description, call, kind, fragments", CASES, ids=[c[0] for c in CASES])
def test_error_names_op_shapes_and_caller(description, call, kind, fragments):
    line = inspect.getsourcelines(call)[1]
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert f"test_errors.py:{line}" in message, message
    # The error is raised by Ember, not by NumPy deep inside a kernel.
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_graph_errors_are_plain_sentences():
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="in-place"):
        w.mul_(2)
    with pytest.raises(GraphError, match="scalar"):
        (w * 2).backward()


def test_no_numpy_warning_for_log_of_zero():
    # PyTorch returns -inf silently; so does Ember, even where warnings are errors.
    code = "import ember; print(ember.log(ember.tensor([0.0])).tolist())"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[-inf]" and result.stderr == ""
