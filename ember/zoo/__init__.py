"""Placeholder: filled in by the model zoo work."""

__all__: list[str] = []
