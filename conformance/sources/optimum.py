"""optimum-onnx: not run (see ``available``)."""

from __future__ import annotations


def available() -> str | None:
    return ("optimum-onnx 0.1.0 requires transformers<4.58 and fails to import with transformers 5 "
            "(ImportError: _CAN_RECORD_REGISTRY from transformers.utils.generic); the corpus uses transformers 5, "
            "the version the issue's BERT/GPT-2 failures come from. The transformers source uses optimum's "
            "input names and dynamic axes (batch_size, sequence_length) instead.")


def cases() -> list:
    return []
