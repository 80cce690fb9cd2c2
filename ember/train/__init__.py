"""Placeholder: filled in by the train work."""

__all__: list[str] = []
