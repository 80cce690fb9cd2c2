"""Placeholder: filled in by the layers work."""

__all__: list[str] = []
