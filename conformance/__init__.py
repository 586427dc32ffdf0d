"""Conformance harness: third-party export code, legacy exporter vs onnx_migrate (see README.md)."""
