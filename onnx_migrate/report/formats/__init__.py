"""Output formats of ``onnx-migrate report``: text, JSON, Markdown, SARIF.

Every format renders the same :class:`~onnx_migrate.report.results.Result`
list (and the same totals, from :mod:`.summary`); :func:`render` picks one by
:class:`OutputFormat`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from onnx_migrate.report.formats.json_format import render_json
from onnx_migrate.report.formats.markdown import render_markdown
from onnx_migrate.report.formats.sarif import render_sarif
from onnx_migrate.report.formats.text import render_text, use_color
from onnx_migrate.report.results import Result
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Rule

__all__ = ["OutputFormat", "render", "use_color"]


class OutputFormat(str, enum.Enum):
    """``--format`` values."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


def render(
    results: Sequence[Result],
    output_format: OutputFormat,
    *,
    rules: Sequence[type[Rule]] = ALL_RULES,
    color: bool = False,
) -> str:
    """The report in ``output_format`` (``color`` only affects text)."""
    if output_format is OutputFormat.TEXT:
        return render_text(results, color=color)
    if output_format is OutputFormat.JSON:
        return render_json(results, rules)
    if output_format is OutputFormat.MARKDOWN:
        return render_markdown(results, rules)
    return render_sarif(results, rules)
