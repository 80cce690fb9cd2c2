"""Files: safetensors checkpoints (later ONNX export and import)."""

__all__: list[str] = []
