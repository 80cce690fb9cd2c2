"""Placeholder: filled in by the nn.functional activations work."""

__all__: list[str] = []
