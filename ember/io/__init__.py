"""Files: safetensors checkpoints (later ONNX export and import)."""

from ember.io.checkpoint import CheckpointError, load, save

__all__ = ["CheckpointError", "load", "save"]
