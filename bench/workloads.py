"""The five training workloads of ``python -m bench``, each built twice: in Ember and in
PyTorch, with identical shapes and (copied) identical initial parameters.

Each builder returns a ``Workload`` holding one training-step closure per
framework and the step's floating-point operation count (forward GEMM/conv
FLOPs times three: forward, input gradient, weight gradient).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import ember
from ember import nn

__all__ = ["WORKLOADS", "Workload"]


@dataclass
class Workload:
    """One benchmark: a training step per framework, and what it costs."""

    name: str
    description: str
    batch: int
    flops: float
    ember_step: Callable[[], object]
    torch_step: Callable[[], object]
    ember_params: int
    torch_params: int


def _count(parameters) -> int:
    return sum(int(np.prod(p.shape)) for p in parameters)


def _twin(
    name: str,
    description: str,
    build: Callable,
    optimizer: tuple[str, dict],
    inputs: np.ndarray,
    targets: np.ndarray,
    forward_flops: float,
    reshape_logits: bool = False,
) -> Workload:
    """The workload that trains ``build(torch.nn)`` and ``build(ember.nn)`` (the Ember model
    starting from the PyTorch model's weights) on the same batch, with cross-entropy and
    the optimizer named ``optimizer[0]`` with options ``optimizer[1]``."""
    torch_model, ember_model = build(torch.nn), build(nn)
    ember_model.load_state_dict(
        {k: v.detach().numpy() for k, v in torch_model.state_dict().items()}
    )

    def step_for(lib: object, model: object) -> Callable[[], object]:
        # The two frameworks share these names, so one closure serves both.
        opt = getattr(lib.optim, optimizer[0])(model.parameters(), **optimizer[1])
        x, y = lib.tensor(inputs), lib.tensor(targets)
        loss_fn = lib.nn.functional.cross_entropy

        def step() -> object:
            opt.zero_grad()
            out = model(x)
            if reshape_logits:
                out = out.reshape(-1, out.shape[-1])
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            return loss

        return step

    return Workload(
        name,
        description,
        inputs.shape[0],
        3 * forward_flops,
        step_for(ember, ember_model),
        step_for(torch, torch_model),
        _count(ember_model.parameters()),
        _count(torch_model.parameters()),
    )


def _mlp() -> Workload:
    batch = 128
    sizes = [784, 512, 512, 10]

    def build(m):
        layers = []
        for i in range(3):
            layers.append(m.Linear(sizes[i], sizes[i + 1]))
            if i < 2:
                layers.append(m.ReLU())
        return m.Sequential(*layers)

    rng = np.random.default_rng(0)
    return _twin(
        "mlp",
        "784-512-512-10 ReLU, cross-entropy, SGD momentum",
        build,
        ("SGD", {"lr": 0.01, "momentum": 0.9}),
        rng.standard_normal((batch, 784)).astype(np.float32),
        rng.integers(0, 10, batch),
        2 * batch * sum(a * b for a, b in itertools.pairwise(sizes)),
    )


def _lenet() -> Workload:
    batch = 64

    def build(m):
        return m.Sequential(
            m.Conv2d(1, 6, 5, padding=2),
            m.ReLU(),
            m.MaxPool2d(2),
            m.Conv2d(6, 16, 5),
            m.ReLU(),
            m.MaxPool2d(2),
            m.Flatten(),
            m.Linear(16 * 5 * 5, 120),
            m.ReLU(),
            m.Linear(120, 84),
            m.ReLU(),
            m.Linear(84, 10),
        )

    rng = np.random.default_rng(0)
    return _twin(
        "lenet",
        "LeNet-5 on 1x28x28, Adam",
        build,
        ("Adam", {}),
        rng.standard_normal((batch, 1, 28, 28)).astype(np.float32),
        rng.integers(0, 10, batch),
        2 * batch * (6 * 28 * 28 * 25 + 16 * 10 * 10 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10),
    )


def _resnet() -> Workload:
    batch = 32

    def build(m):
        class Block(m.Module):
            def __init__(self, cin, cout, stride):
                super().__init__()
                self.conv1 = m.Conv2d(cin, cout, 3, stride, 1, bias=False)
                self.bn1 = m.BatchNorm2d(cout)
                self.conv2 = m.Conv2d(cout, cout, 3, 1, 1, bias=False)
                self.bn2 = m.BatchNorm2d(cout)
                self.relu = m.ReLU()
                self.down = m.Sequential(
                    m.Conv2d(cin, cout, 1, stride, bias=False), m.BatchNorm2d(cout)
                )

            def forward(self, x):
                out = self.relu(self.bn1(self.conv1(x)))
                return self.relu(self.bn2(self.conv2(out)) + self.down(x))

        return m.Sequential(
            m.Conv2d(3, 32, 3, 1, 1, bias=False),
            m.BatchNorm2d(32),
            m.ReLU(),
            Block(32, 64, 2),
            Block(64, 64, 2),
            m.AdaptiveAvgPool2d(1),
            m.Flatten(),
            m.Linear(64, 10),
        )

    convs = (
        32 * 32 * 32 * 3 * 9
        + 16 * 16 * 64 * (32 * 9 + 64 * 9 + 32)
        + 8 * 8 * 64 * (64 * 9 + 64 * 9 + 64)
    )
    rng = np.random.default_rng(0)
    return _twin(
        "resnet",
        "ResNet-ish on 3x32x32, SGD",
        build,
        ("SGD", {"lr": 0.01}),
        rng.standard_normal((batch, 3, 32, 32)).astype(np.float32),
        rng.integers(0, 10, batch),
        2 * batch * (convs + 64 * 10),
    )


def _lstm() -> Workload:
    batch, seq, vocab, hidden = 32, 64, 64, 256

    def build(m):
        class CharLM(m.Module):
            def __init__(self):
                super().__init__()
                self.embedding = m.Embedding(vocab, 64)
                self.lstm = m.LSTM(64, hidden, batch_first=True)
                self.head = m.Linear(hidden, vocab)

            def forward(self, tokens):
                out, _ = self.lstm(self.embedding(tokens))
                return self.head(out)

        return CharLM()

    rng = np.random.default_rng(0)
    return _twin(
        "lstm",
        "char LM: embedding 64, LSTM 256, seq 64, Adam",
        build,
        ("Adam", {}),
        rng.integers(0, vocab, (batch, seq)),
        rng.integers(0, vocab, batch * seq),
        2 * batch * seq * (64 * 4 * hidden + hidden * 4 * hidden + hidden * vocab),
        reshape_logits=True,
    )


def _gpt() -> Workload:
    batch, seq, vocab, d_model, heads, layers = 16, 64, 64, 128, 4, 2

    def build(m):
        class GPT(m.Module):
            def __init__(self):
                super().__init__()
                self.tokens = m.Embedding(vocab, d_model)
                self.positions = m.Embedding(seq, d_model)
                layer = m.TransformerEncoderLayer(
                    d_model,
                    heads,
                    4 * d_model,
                    dropout=0.0,
                    activation="gelu",
                    batch_first=True,
                    norm_first=True,
                )
                # Pre-norm layers cannot use PyTorch's nested-tensor fast path: say so,
                # rather than have PyTorch warn about it.
                self.blocks = m.TransformerEncoder(layer, layers, enable_nested_tensor=False)
                self.norm = m.LayerNorm(d_model)
                self.head = m.Linear(d_model, vocab)
                self.register_buffer("mask", m.Transformer.generate_square_subsequent_mask(seq))

            def forward(self, tokens):
                steps = tokens.shape[1]
                position = self.positions.weight[:steps]
                h = self.tokens(tokens) + position
                h = self.blocks(h, mask=self.mask, is_causal=True)
                return self.head(self.norm(h))

        return GPT()

    per_layer = (4 * d_model * d_model + 2 * d_model * 4 * d_model) + 2 * seq * d_model
    rng = np.random.default_rng(0)
    return _twin(
        "gpt",
        "vocab 64, 2 layers, d_model 128, 4 heads, seq 64, AdamW",
        build,
        ("AdamW", {}),
        rng.integers(0, vocab, (batch, seq)),
        rng.integers(0, vocab, batch * seq),
        2 * batch * seq * (layers * per_layer + d_model * vocab),
        reshape_logits=True,
    )


WORKLOADS: dict[str, Callable[[], Workload]] = {
    "mlp": _mlp,
    "lenet": _lenet,
    "resnet": _resnet,
    "lstm": _lstm,
    "gpt": _gpt,
}
