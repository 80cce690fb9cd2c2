"""The ``ember`` command: ``ember demo`` trains a small model and prints the loss falling;
``ember info`` prints versions and the backend."""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy

import ember

__all__ = ["demo", "info", "main"]


def _spirals(points_per_class: int, classes: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    rng = numpy.random.default_rng(0)
    xs, ys = [], []
    for c in range(classes):
        radius = numpy.linspace(0.05, 1.0, points_per_class)
        angle = numpy.linspace(c * 4.0, (c + 1) * 4.0, points_per_class)
        angle = angle + rng.normal(0.0, 0.2, points_per_class)
        xs.append(numpy.stack([radius * numpy.sin(angle), radius * numpy.cos(angle)], axis=1))
        ys.append(numpy.full(points_per_class, c))
    return numpy.concatenate(xs).astype(numpy.float32), numpy.concatenate(ys)


def demo(steps: int = 300, hidden: int = 64, lr: float = 1.0, out: object = None) -> float:
    """Fit a two-layer network to three interleaved spirals with plain autograd and SGD.

    Returns:
        The training accuracy reached.
    """
    out = out or sys.stdout
    ember.manual_seed(0)
    x_np, y_np = _spirals(100, 3)
    x, y = ember.tensor(x_np), ember.tensor(y_np)
    w1 = (ember.randn(2, hidden) * 0.5).requires_grad_()
    b1 = ember.zeros(hidden, requires_grad=True)
    w2 = (ember.randn(hidden, 3) * 0.1).requires_grad_()
    b2 = ember.zeros(3, requires_grad=True)
    params = [w1, b1, w2, b2]
    print(
        f"ember {ember.__version__}: 2-{hidden}-3 tanh network, 3 spirals, "
        f"{len(y_np)} points, SGD lr={lr}",
        file=out,
    )
    for step in range(steps + 1):
        logits = ember.tanh(x @ w1 + b1) @ w2 + b2
        log_probs = ember.log_softmax(logits, dim=1)
        loss = -ember.take_along_dim(log_probs, y.reshape(-1, 1), dim=1).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ember.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)
        if step % 50 == 0:
            accuracy = (logits.argmax(dim=1) == y).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {accuracy:.3f}", file=out)
    return accuracy


def info(out: object = None) -> None:
    """Print the versions of Ember, Python and NumPy, and the backend."""
    out = out or sys.stdout
    print(f"ember {ember.__version__}", file=out)
    print(f"python {platform.python_version()} ({platform.machine()})", file=out)
    print(f"numpy {numpy.__version__}", file=out)
    print("backend numpy (cpu)", file=out)
    print(f"cpu cores {os.cpu_count()}", file=out)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ember`` command."""
    parser = argparse.ArgumentParser(prog="ember", description="Ember deep learning framework")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="train a small model and print the loss")
    run_demo.add_argument("--steps", type=int, default=300)
    commands.add_parser("info", help="print versions and backend")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(steps=args.steps)
    else:
        info()
    return 0


if __name__ == "__main__":
    sys.exit(main())
