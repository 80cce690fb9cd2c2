"""Autograd behaviour: accumulation, retain_graph, create_graph, hooks, grad modes,
version checks, anomaly mode, and the JAX-style transforms."""

import numpy as np
import pytest
import torch

import ember
from ember.errors import AnomalyError, GraphError


def test_gradients_accumulate_across_backward_calls():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    grad = x.grad
    (x * x).sum().backward()
    assert x.grad is grad  # accumulated in place, as PyTorch does
    assert x.grad.tolist() == [5.0, 7.0]


def test_a_second_backward_through_a_freed_graph_raises():
    x = ember.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(GraphError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = ember.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4 * np.e])


def test_backward_needs_a_gradient_for_non_scalars():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(ember.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(GraphError, match="does not require grad"):
        ember.ones(1).sum().backward()


def test_higher_order_gradients_match_torch():
    def f(m, x):
        return (m.sin(x) * x**3).sum()

    ex = ember.tensor([0.3, 1.7], dtype=ember.float64, requires_grad=True)
    tx = torch.tensor([0.3, 1.7], dtype=torch.float64, requires_grad=True)
    (eg,) = ember.autograd.grad(f(ember, ex), ex, create_graph=True)
    (tg,) = torch.autograd.grad(f(torch, tx), tx, create_graph=True)
    (egg,) = ember.autograd.grad(eg.sum(), ex, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), tx, create_graph=True)
    (eggg,) = ember.autograd.grad(egg.sum(), ex)
    (tggg,) = torch.autograd.grad(tgg.sum(), tx)
    for a, b in [(eg, tg), (egg, tgg), (eggg, tggg)]:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


def test_grad_of_non_leaf_inputs_and_allow_unused():
    x = ember.tensor([2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    unused = ember.ones(1, requires_grad=True)
    gh, gx, gu = ember.autograd.grad(y, [h, x, unused], allow_unused=True)
    assert gh.tolist() == [12.0] and gx.tolist() == [36.0] and gu is None
    assert x.grad is None  # grad() never writes .grad
    with pytest.raises(GraphError, match="allow_unused"):
        ember.autograd.grad((x * 2).sum(), [x, unused])


def test_hooks_see_and_replace_gradients():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    h = x * 2
    handle = h.register_hook(lambda g: g * 10)
    h.sum().backward()
    assert seen == [[20.0, 20.0]] and x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    h.sum().backward()
    assert h.grad.tolist() == [1.0, 1.0]


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ember.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()


def test_inplace_on_a_leaf_that_requires_grad_raises():
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="leaf tensor that requires grad"):
        w.add_(1)
    with ember.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 2.0] and w.is_leaf


def test_inplace_change_of_a_saved_tensor_raises_at_backward():
    w = ember.ones(2, requires_grad=True)
    y = (w * w).sum()
    with ember.no_grad():
        w.mul_(3)
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        y.backward()


def test_inplace_change_of_a_saved_output_raises_at_backward():
    x = ember.ones(2, requires_grad=True)
    y = x.exp()
    z = y.sum()
    with ember.no_grad():
        y.add_(1)
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        z.backward()


def test_inplace_on_a_non_leaf_is_recorded():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    for t in (x, tx):
        h = t * 2
        h.mul_(t)
        h.add_(1)
        h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_detect_anomaly_names_the_op_and_the_line_in_forward():
    x = ember.tensor([-1.0, 1.0], requires_grad=True)
    with ember.autograd.detect_anomaly(), pytest.raises(AnomalyError) as err:
        ember.sqrt(x)
    assert "sqrt: forward produced nan" in str(err.value)
    assert "test_autograd.py:" in str(err.value)


def test_detect_anomaly_names_the_op_in_backward():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = ember.sqrt(x).sum()  # finite forward, infinite gradient at 0
        with pytest.raises(AnomalyError) as err:
            y.backward()
    message = str(err.value)
    assert "SqrtBackward: backward produced inf" in message
    assert "test_autograd.py:" in message


def test_value_and_grad_and_grad_transforms():
    def loss(w, x):
        return ((x * w) ** 2).sum()

    w, x = ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])
    value, g = ember.value_and_grad(loss)(w, x)
    assert value.item() == 73.0 and g.tolist() == [18.0, 64.0]
    gw, gx = ember.grad(loss, argnums=(0, 1))(w, x)
    assert gw.tolist() == [18.0, 64.0] and gx.tolist() == [6.0, 32.0]
    g, aux = ember.grad(lambda w: (loss(w, x), "aux"), has_aux=True)(w)
    assert aux == "aux" and g.tolist() == [18.0, 64.0]
    assert not w.requires_grad  # the caller's tensors are untouched


def test_grad_fn_and_next_functions():
    x = ember.ones(2, requires_grad=True)
    y = x.exp() * 2
    assert y.grad_fn.name == "MulBackward"
    assert y.grad_fn.next_functions[0].name == "ExpBackward"
    assert not y.is_leaf


# A gradient that the backward made and nothing else holds becomes .grad without a copy;
# any other is copied, so that an optimizer updating .grad in place changes nothing else.
def _independent(a, b):
    return not np.shares_memory(np.asarray(a), np.asarray(b))


def test_one_gradient_given_to_two_leaves_is_not_shared():
    x, y = ember.ones(3, requires_grad=True), ember.ones(3, requires_grad=True)
    (x + y).backward(ember.tensor([1.0, 2.0, 3.0]))
    assert _independent(x.grad.data, y.grad.data)
    x.grad.data += 10
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 2.0, 3.0])


def test_the_callers_gradient_is_not_taken_as_grad():
    x = ember.ones(3, requires_grad=True)
    g = ember.tensor([1.0, 2.0, 3.0])
    (x + 1).backward(g)
    assert _independent(x.grad.data, g.data)


def test_a_gradient_a_hook_kept_is_not_taken_as_grad():
    x = ember.ones(3, requires_grad=True)
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert _independent(x.grad.data, kept[0].data)


def test_a_view_of_a_gradient_is_copied_and_a_fresh_one_is_taken():
    w = ember.ones(3, 4, requires_grad=True)
    x = ember.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3))
    (x @ w).sum().backward()
    tw = torch.ones(3, 4, requires_grad=True)
    (torch.tensor(x.numpy()) @ tw).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
    assert w.grad.data.base is None and w.grad.data.flags.writeable
    # Reshaping a leaf gives its gradient as a view of the upstream one: copied.
    v = ember.ones(6, requires_grad=True)
    v.reshape(2, 3).sum().backward()
    assert v.grad.data.base is None


def test_a_retained_gradient_is_not_shared_with_a_leaf():
    x = ember.ones(3, requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    h.backward(ember.tensor([1.0, 2.0, 3.0]) * 1.0)
    assert _independent(x.grad.data, h.grad.data)
