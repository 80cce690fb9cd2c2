"""Layers (``torch.nn`` modules): each file holds one kind, as ``torch/nn/modules`` does."""

__all__: list[str] = []
