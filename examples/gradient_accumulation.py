"""Gradient accumulation: train with a large batch that does not fit in memory at once.

backward() adds into .grad instead of overwriting it, so calling it on several
micro-batches before optimizer.step() sums their gradients. Scaling each
micro-batch loss by 1 / accumulation_steps makes the sum equal to the gradient
of the mean loss over the whole batch, so training is the same as with the big
batch, up to rounding.

Run: python examples/gradient_accumulation.py
"""

import numpy as np

import ember
import ember.optim
from ember.nn.utils import clip_grad_norm_

BATCH_SIZE = 32
MICRO_BATCH = 8
ACCUMULATION_STEPS = BATCH_SIZE // MICRO_BATCH

# A toy regression problem: y = sin(x0) + x1 * x2, with noise.
rng = np.random.default_rng(0)
inputs = rng.normal(size=(256, 3))
targets = np.sin(inputs[:, :1]) + inputs[:, 1:2] * inputs[:, 2:3] + 0.05 * rng.normal(size=(256, 1))
x_all = ember.tensor(inputs, dtype=ember.float32)
y_all = ember.tensor(targets, dtype=ember.float32)

# A two-layer MLP kept as plain tensors, so the example shows only the optimizer.
ember.manual_seed(0)
w1 = (ember.randn(3, 32) * 0.5).requires_grad_()
b1 = ember.zeros(32, requires_grad=True)
w2 = (ember.randn(32, 1) * 0.2).requires_grad_()
b2 = ember.zeros(1, requires_grad=True)
params = [w1, b1, w2, b2]


def loss_fn(x: ember.Tensor, y: ember.Tensor) -> ember.Tensor:
    prediction = (x @ w1 + b1).tanh() @ w2 + b2
    return ((prediction - y) ** 2).mean()


# 1. The accumulated gradient equals the big-batch gradient.
x, y = x_all[:BATCH_SIZE], y_all[:BATCH_SIZE]
loss_fn(x, y).backward()
big_batch = [p.grad.numpy().copy() for p in params]
for p in params:
    p.grad = None
for start in range(0, BATCH_SIZE, MICRO_BATCH):
    micro_loss = loss_fn(x[start : start + MICRO_BATCH], y[start : start + MICRO_BATCH])
    (micro_loss / ACCUMULATION_STEPS).backward()
difference = max(np.abs(p.grad.numpy() - g).max() for p, g in zip(params, big_batch, strict=True))
print(f"largest difference from the big-batch gradient: {difference:.2e}")

# 2. Train: step the optimizer once every ACCUMULATION_STEPS micro-batches.
optimizer = ember.optim.AdamW(params, lr=1e-2, weight_decay=1e-4)
scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
for epoch in range(20):
    order = rng.permutation(len(inputs))
    total = 0.0
    optimizer.zero_grad()
    for i, start in enumerate(range(0, len(inputs), MICRO_BATCH)):
        index = ember.tensor(order[start : start + MICRO_BATCH])
        loss = loss_fn(x_all[index], y_all[index])
        (loss / ACCUMULATION_STEPS).backward()
        total += loss.item()
        if (i + 1) % ACCUMULATION_STEPS == 0:
            clip_grad_norm_(params, max_norm=1.0)
            optimizer.step()
            optimizer.zero_grad()
    scheduler.step()
    if epoch % 5 == 4:
        mean_loss = total / (len(inputs) // MICRO_BATCH)
        print(f"epoch {epoch + 1:2d}  loss {mean_loss:.4f}  lr {scheduler.get_last_lr()[0]:.5f}")
