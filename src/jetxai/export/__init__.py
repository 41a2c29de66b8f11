"""Trained taggers in formats other tools run: ONNX (:mod:`jetxai.export.onnx`)."""

from jetxai.export.onnx import export_onnx, onnx_inputs

__all__ = ["export_onnx", "onnx_inputs"]
