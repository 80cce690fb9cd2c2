"""Placeholder: filled in by the nn family."""

__all__: list[str] = []
