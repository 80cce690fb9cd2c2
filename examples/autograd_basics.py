"""Autograd in five minutes: gradients, higher derivatives, hooks and gradcheck.

Run: python examples/autograd_basics.py
"""

import ember

# A scalar function of a vector, and its gradient.
x = ember.tensor([0.5, 1.0, 2.0], requires_grad=True)
y = (x.sin() * x**2).sum()
y.backward()
print("d/dx sum(sin(x) x^2) =", x.grad)

# Gradients of gradients: pass create_graph=True and differentiate again.
x = ember.tensor(1.5, requires_grad=True)
(first,) = ember.autograd.grad(x**4, x, create_graph=True)
(second,) = ember.autograd.grad(first, x)
print("f = x^4 at 1.5: f' =", first.item(), " f'' =", second.item())

# JAX-style transforms.
loss = lambda w: ((w - 3.0) ** 2).sum()
print("grad of (w - 3)^2 at w=0:", ember.grad(loss)(ember.zeros(2)))

# Hooks see (and may replace) a gradient as it flows.
w = ember.ones(3, requires_grad=True)
w.register_hook(lambda g: print("gradient reaching w:", g))
(w * ember.tensor([1.0, 2.0, 3.0])).sum().backward()

# Check your own function's gradient against finite differences (float64).
z = ember.randn(4, dtype=ember.float64, requires_grad=True)
print("gradcheck:", ember.testing.gradcheck(lambda t: (t.tanh() * t.exp()).sum(), [z]))

# Errors name the op, the shapes and your line.
try:
    ember.zeros(32, 100) @ ember.zeros(784, 128)
except ValueError as err:
    print(err)
