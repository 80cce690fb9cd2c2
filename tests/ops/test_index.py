"""Indexing behaviours the generated tests do not reach: ``x[i] = v`` in both regimes,
PyTorch's indexing rules over random indices, in-place methods, and error messages."""

import inspect
import random

import numpy as np
import pytest
import torch

import ember
from ember.errors import DTypeError, GraphError, ShapeError
from ember.testing import gradcheck, gradgradcheck


def _pair(a, requires_grad=False):
    return (
        ember.tensor(a, requires_grad=requires_grad),
        torch.tensor(a, requires_grad=requires_grad),
    )


# ----------------------------------------------------------------- setitem
def test_setitem_writes_in_place_and_views_see_it():
    x = ember.zeros(3, 4)
    memory, row, column = x.data, x[1], x[:, 2]
    x[1, 1:3] = 5.0
    x[x < 0] = 1.0  # an empty mask writes nothing
    x[[0, 2], [3, 0]] = ember.tensor([7.0, 8.0])
    assert x.data is memory
    assert row.tolist() == [0.0, 5.0, 5.0, 0.0]
    assert column.tolist() == [0.0, 5.0, 0.0]
    assert x.tolist() == [[0, 0, 0, 7], [0, 5, 5, 0], [8, 0, 0, 0]]


def test_setitem_through_a_view_reaches_the_base():
    x = ember.zeros(2, 3)
    view = x[1:]
    view[0, ::2] = 4.0
    assert x.tolist() == [[0, 0, 0], [4, 0, 4]]


def test_setitem_broadcasts_and_casts_like_torch():
    a = np.arange(24).reshape(2, 3, 4)
    for index, value in [
        ((0,), np.array([1.5, 2.5, 3.5, 4.5])),
        ((slice(None), 1), np.ones((1, 4)) * 9),
        ((Ellipsis, 0), -1),
        ((np.array([1, 0]), slice(None), np.array([3, 2])), np.array([6, 7, 8])),
    ]:
        ours, theirs = ember.tensor(a), torch.tensor(a)
        ours[index] = value if np.isscalar(value) else ember.tensor(value)
        theirs[tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)] = (
            value if np.isscalar(value) else torch.tensor(value)
        )
        assert ours.dtype == ember.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("grad_mode", [False, True], ids=["written", "recorded"])
def test_setitem_bumps_the_version_and_reports_a_saved_tensor_changed(grad_mode):
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = w * 1
    b = a * a  # saves a
    with ember.set_grad_enabled(grad_mode):
        a[0] = 10.0
    assert a._version == 1
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        b.sum().backward()


def test_setitem_on_a_leaf_that_requires_grad_raises_unless_grad_is_off():
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(GraphError, match=r"setitem.*leaf"):
        w[0] = 2.0
    with ember.no_grad():
        w[0] = 2.0
    assert w.tolist() == [2.0, 1.0, 1.0] and w.is_leaf


def test_autograd_through_setitem_matches_torch():
    a = np.random.default_rng(0).standard_normal((3, 4))
    v = np.random.default_rng(1).standard_normal(2)
    results = []
    for m in (ember, torch):
        x = m.tensor(a, requires_grad=True)
        value = m.tensor(v, requires_grad=True)
        y = x * 2
        y[[0, 2], 1] = value * 3  # an advanced index: the write is recorded, not done in place
        y[1] = 0.5
        (y * y).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), value.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs)


def test_setitem_of_a_value_that_requires_grad_into_a_plain_tensor():
    value = ember.tensor(2.0, requires_grad=True)
    x = ember.zeros(3)
    x[1:] = value
    assert x.requires_grad and not x.is_leaf
    (x * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert value.grad.item() == 5.0


def test_setitem_double_backward():
    a = ember.tensor([0.5, -1.0, 2.0], dtype=ember.float64, requires_grad=True)

    def f(x):
        y = x * x
        y[ember.tensor([0, 2])] = x[1:] ** 3
        return y

    assert gradcheck(f, [a])
    assert gradgradcheck(f, [a])


def test_setitem_into_a_read_only_broadcast_view_is_refused():
    x = ember.zeros(3).expand(2, 3)
    with pytest.raises(ShapeError, match=r"setitem.*read-only"):
        x[0, 0] = 1.0


# ------------------------------------------------- PyTorch indexing rules
def _random_index(rng, shape):
    items, dim = [], 0
    while dim < len(shape) and rng.random() < 0.8:
        size, kind = shape[dim], rng.choice(["none", "int", "slice", "array", "mask"])
        if kind == "none":
            items.append(None)
            continue
        if kind == "int":
            items.append(rng.randint(-size, size - 1))
        elif kind == "slice":
            items.append(
                slice(
                    rng.choice([None, rng.randint(-size, size)]),
                    rng.choice([None, rng.randint(-size, size)]),
                    rng.choice([None, 1, 2]),
                )
            )
        elif kind == "array":
            items.append(
                np.array([rng.randint(-size, size - 1) for _ in range(rng.choice([1, 2, 3]))])
            )
        else:
            items.append(np.array([rng.random() < 0.5 for _ in range(size)]))
        dim += 1
    if rng.random() < 0.3:
        items.insert(rng.randint(0, len(items)), Ellipsis)
    return tuple(items)


@pytest.mark.parametrize("seed", range(4))
def test_random_indices_read_and_differentiate_like_torch(seed):
    rng = random.Random(seed)
    data = np.random.default_rng(seed)
    for _ in range(100):
        shape = tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 4)))
        index = _random_index(rng, shape)
        t_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
        e_index = tuple(ember.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
        ours, theirs = _pair(data.standard_normal(shape), requires_grad=True)
        try:
            expected = theirs[t_index]
        except IndexError:  # arrays that do not broadcast together
            with pytest.raises(ShapeError):
                ours[e_index]
            continue
        got = ours[e_index]
        assert got.shape == tuple(expected.shape), index
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy())
        g = data.standard_normal(got.shape)
        expected.backward(torch.tensor(g))
        got.backward(ember.tensor(g))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_integer_then_advanced_index_follows_torch_not_numpy():
    x = ember.zeros(3, 4, 5)
    assert x[0, :, [0, 1]].shape == (4, 2)
    assert x[[0, 1], :, 0].shape == (2, 4)
    assert x[:, [0, 1], [2, 3]].shape == (3, 2)


def test_iteration_rows_and_index_forms():
    x = ember.arange(6).reshape(3, 2)
    assert [row.tolist() for row in x] == [[0, 1], [2, 3], [4, 5]]
    assert x[np.int64(1)].tolist() == [2, 3]
    assert x[ember.tensor(2), ember.tensor(-1)].item() == 5
    assert x[[]].shape == (0, 2)
    assert x[ember.tensor(1) :].shape == (2, 2)
    assert x[::-1, 0].tolist() == [4, 2, 0]


def test_recorded_index_is_a_copy_of_the_users_array():
    x = ember.ones(4, requires_grad=True)
    index = np.array([0, 0, 1])
    y = x[index]
    index[:] = 3
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 0.0, 0.0]


# ------------------------------------------------------ gather, scatter
def test_scatter_and_scatter_add_with_src_larger_than_index_gradcheck():
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    src = ember.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    index = ember.tensor([[2, 0, 1], [1, 2, 0]])
    for op in (ember.scatter, ember.scatter_add):
        assert gradcheck(lambda a, s, op=op: op(a, 0, index, s), [x, src])
        assert gradgradcheck(lambda a, s, op=op: op(a, 0, index, s), [x, src])


def test_in_place_methods_match_torch():
    a = np.arange(12.0).reshape(3, 4)
    mask = a % 3 == 0
    index = np.array([[2, 0, 1, 0]])
    src = np.full((1, 4), -1.0)
    calls = [
        lambda t, m: t.masked_fill_(m.tensor(mask), 0.5),
        lambda t, m: t.scatter_(0, m.tensor(index), m.tensor(src)),
        lambda t, m: t.scatter_(0, m.tensor(index), 2.0),
        lambda t, m: t.scatter_add_(1, m.tensor(index), m.tensor(src)),
        lambda t, m: t.index_put_(
            (m.tensor([1, 1]),), m.tensor(3.0, dtype=m.float64), accumulate=True
        ),
    ]
    for call in calls:
        ours, theirs = ember.tensor(a), torch.tensor(a)
        memory = ours.data
        assert call(ours, ember) is ours
        call(theirs, torch)
        assert ours.data is memory
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_masked_fill_in_place_records_when_the_value_requires_grad():
    value = ember.tensor(1.5, requires_grad=True)
    x = ember.zeros(2, 2)
    x.masked_fill_(ember.tensor([[True, False], [True, True]]), value)
    x.sum().backward()
    assert value.grad.item() == 3.0


def test_methods_match_functions():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    index = ember.tensor([[1, 0], [0, 0]])
    assert x.gather(1, index).tolist() == ember.gather(x, 1, index).tolist()
    assert x.index_select(0, ember.tensor([1])).tolist() == [[3.0, 4.0]]
    assert x.take_along_dim(index, dim=0).tolist() == [[3.0, 2.0], [1.0, 2.0]]
    assert x.scatter_add(0, index, x).tolist() == [[4.0, 8.0], [4.0, 4.0]]
    assert x.masked_fill(x > 2, 0).tolist() == [[1.0, 2.0], [0.0, 0.0]]


# ------------------------------------------------------------------ errors
x23 = ember.zeros(2, 3)
ints = ember.tensor([[0, 1, 2], [2, 1, 0]])

CASES = [
    (
        "int out of range",
        lambda: x23[0, 3],
        ShapeError,
        ["getitem", "index 3", "dimension 1", "size 3"],
    ),
    (
        "array out of range",
        lambda: x23[:, [0, -4]],
        ShapeError,
        ["getitem", "index -4", "dimension 1", "size 3"],
    ),
    ("too many indices", lambda: x23[0, 0, 0], ShapeError, ["getitem", "(2, 3)"]),
    ("float index", lambda: x23[ember.tensor([0.0])], DTypeError, ["getitem", "float32"]),
    (
        "mask shape",
        lambda: x23[ember.tensor([True, False, True])],
        ShapeError,
        ["getitem", "(3,)", "(2,)"],
    ),
    ("bad index type", lambda: x23["a"], TypeError, ["getitem", "str"]),
    ("zero step", lambda: x23[::0], ShapeError, ["getitem", "step"]),
    (
        "setitem values",
        lambda: x23.__setitem__(0, ember.zeros(2)),
        ShapeError,
        ["setitem", "(2,)", "(3,)"],
    ),
    (
        "gather rank",
        lambda: ember.gather(x23, 0, ember.tensor([0])),
        ShapeError,
        ["gather", "(1,)", "(2, 3)"],
    ),
    (
        "gather range",
        lambda: ember.gather(x23, 0, ints),
        ShapeError,
        ["gather", "index 2", "dimension 0", "size 2"],
    ),
    (
        "gather negative",
        lambda: ember.gather(x23, 1, -ints),
        ShapeError,
        ["gather", "index -2", "dimension 1", "size 3"],
    ),
    ("gather dim", lambda: ember.gather(x23, 2, ints), ShapeError, ["gather", "dim 2"]),
    (
        "scatter range",
        lambda: ember.scatter(x23, 0, ints, x23),
        ShapeError,
        ["scatter", "index 2", "dimension 0", "size 2"],
    ),
    (
        "scatter_add dtype",
        lambda: ember.scatter_add(x23, 0, x23, x23),
        DTypeError,
        ["scatter_add", "float32"],
    ),
    (
        "scatter src dtype",
        lambda: ember.scatter(x23, 1, ints, ints),
        DTypeError,
        ["scatter", "int64", "float32"],
    ),
    (
        "index_select range",
        lambda: ember.index_select(x23, 1, ember.tensor([3])),
        ShapeError,
        ["index_select", "index 3", "dimension 1", "size 3"],
    ),
    (
        "index_select dtype",
        lambda: ember.index_select(x23, 0, ember.tensor([0.0])),
        DTypeError,
        ["index_select", "float32"],
    ),
    (
        "index_put dtype",
        lambda: ember.index_put(x23, (ember.tensor([0]),), ember.zeros(3, dtype=ember.float64)),
        DTypeError,
        ["index_put", "float64", "float32"],
    ),
    (
        "masked_fill mask",
        lambda: ember.masked_fill(x23, ints, 0.0),
        DTypeError,
        ["masked_fill", "bool", "int64"],
    ),
    (
        "take_along_dim range",
        lambda: ember.take_along_dim(x23, ints, dim=0),
        ShapeError,
        ["take_along_dim", "index 2", "dimension 0", "size 2"],
    ),
    (
        "take_along_dim rank",
        lambda: ember.take_along_dim(x23, ember.tensor([0]), dim=0),
        ShapeError,
        ["take_along_dim", "(2, 3)", "(1,)"],
    ),
]


@pytest.mark.parametrize("description, call, kind, fragments", CASES, ids=[c[0] for c in CASES])
def test_error_names_op_dim_size_and_caller(description, call, kind, fragments):
    line = inspect.getsourcelines(call)[1]
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert "test_index.py:" in message and f":{line}" in message, message
    assert err.value.__cause__ is None and err.value.__suppress_context__
