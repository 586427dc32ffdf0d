"""Silencing torch's and onnxscript's loggers around a call whose log lines are not the user's concern."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

__all__ = ["quiet_loggers"]


@contextlib.contextmanager
def quiet_loggers(*names: str) -> Iterator[None]:
    """Raise the named loggers to CRITICAL for the duration, then restore their levels.

    torch's new exporter logs its opset fallback and the version converter's traceback,
    and a failed ``torch.export`` attempt logs the graph it stopped in; a caller that
    handles those outcomes itself (a warning of its own, a retry) keeps them off stderr.
    """
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
