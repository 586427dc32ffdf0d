"""Show a :class:`CheckResult`: terminal table (rich), JSON, Markdown and HTML for pull requests.

Every format reads the same fields. The terminal view lists only the ops that
differ; Markdown and HTML put the two op histograms side by side, differing
rows first, so a reviewer sees at a glance what changed. Colours are off when
the stream is not a terminal; without rich (the ``cli`` extra) the terminal
view falls back to plain text.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from onnx_migrate.side_by_side.outcome import Verdict

if TYPE_CHECKING:  # the results call these formats (CheckResult.to_json ...): types only, no import circle
    from onnx_migrate.side_by_side.result import CheckResult, ModelCheck, ModelComparison, NumericRun, OpCount

__all__ = ["FORMATS", "to_dict", "to_html", "to_json", "to_markdown", "to_plain_text", "write"]

#: ``--format`` choices.
FORMATS = ("text", "json", "markdown", "html")

#: JSON layout version; bump when a field changes meaning.
SCHEMA_VERSION = 1

_MARKS = {Verdict.IDENTICAL: "✅", Verdict.EQUIVALENT: "✅", Verdict.DIFFERENT: "❌", Verdict.ERROR: "⚠️"}
_STYLES = {
    Verdict.IDENTICAL: "bold green",
    Verdict.EQUIVALENT: "green",
    Verdict.DIFFERENT: "bold red",
    Verdict.ERROR: "bold yellow",
}


def write(result: CheckResult, fmt: str, stream: TextIO, *, color: bool | None = None) -> None:
    """Write ``result`` in ``fmt`` (one of :data:`FORMATS`); ``color=None`` colours only terminals."""
    if fmt == "json":
        stream.write(to_json(result))
    elif fmt == "markdown":
        stream.write(to_markdown(result))
    elif fmt == "html":
        stream.write(to_html(result))
    else:
        _write_terminal(result, stream, color=color)


# -- shared summaries --------------------------------------------------------------------------------


def _worst_diff(check: ModelCheck) -> float | None:
    """The largest max-abs difference over all outputs and runs (``None``: numbers not compared)."""
    if check.comparison is None:
        return None
    values = [o.max_abs for run in check.comparison.numbers if run.compared for o in run.outputs]
    return max(values) if values else None


def _op_totals(comparison: ModelComparison | None) -> str:
    if comparison is None:
        return "-"
    return f"{sum(op.reference for op in comparison.ops)} -> {sum(op.candidate for op in comparison.ops)}"


def _diff_text(value: float | None) -> str:
    return "not run" if value is None else f"{value:.3g}"


def _counts(result: CheckResult) -> str:
    by_verdict: dict[str, int] = {}
    for check in result.models:
        by_verdict[check.verdict.value] = by_verdict.get(check.verdict.value, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in by_verdict.items()) or "none"


def _sorted_ops(ops: Sequence[OpCount]) -> list[OpCount]:
    """Differing rows first, then by domain and name."""
    return sorted(ops, key=lambda op: (op.delta == 0, op.domain != "", op.domain, op.op_type))


def _opsets_text(opsets: dict[str, int]) -> str:
    return ", ".join(f"{d or 'ai.onnx'} {v}" for d, v in sorted(opsets.items())) or "none"


def _side_by_side(comparison: ModelComparison) -> list[tuple[str, str, str]]:
    """``(what, reference, onnx_migrate)`` rows of the signature and weights."""
    c = comparison
    rows = [("opset imports", _opsets_text(c.reference_opsets), _opsets_text(c.candidate_opsets))]
    rows.append(
        ("inputs", "; ".join(s.text() for s in c.reference_inputs), "; ".join(s.text() for s in c.candidate_inputs))
    )
    rows.append(
        ("outputs", "; ".join(s.text() for s in c.reference_outputs), "; ".join(s.text() for s in c.candidate_outputs))
    )
    rows.append(
        (
            "initializers",
            f"{c.reference_initializers.count} ({c.reference_initializers.total_bytes} bytes)",
            f"{c.candidate_initializers.count} ({c.candidate_initializers.total_bytes} bytes)",
        )
    )
    rows.append(("custom-domain nodes", str(len(c.reference_custom_nodes)), str(len(c.candidate_custom_nodes))))
    return rows


def _run_label(run: NumericRun) -> str:
    """``"example inputs (2x5x8)"``: what was fed, by shape."""
    shapes = ", ".join("x".join(str(d) for d in shape) or "scalar" for shape in run.input_shapes)
    return f"{run.label} ({shapes})"


def _run_rows(run: NumericRun) -> list[tuple[str, str, str, str, str]]:
    """``(output, max abs, max rel, tolerance, status)`` rows of one ORT run."""
    if not run.compared:
        why = run.skipped or "; ".join(
            f"{side} failed: {err}"
            for side, err in (("reference", run.reference_error), ("onnx_migrate", run.candidate_error))
            if err
        )
        return [("-", "-", "-", "-", f"not compared ({why})")]
    return [
        (
            o.name,
            f"{o.max_abs:.3g}",
            f"{o.max_rel:.3g}",
            f"atol {o.atol:g}, rtol {o.rtol:g}",
            "ok" if o.ok else "MISMATCH",
        )
        for o in run.outputs
    ]


# -- JSON ------------------------------------------------------------------------------------------


def to_dict(result: CheckResult) -> dict[str, Any]:
    """Plain data for ``--format json`` (stable keys, :data:`SCHEMA_VERSION`)."""
    models = []
    for check in result.models:
        data = dataclasses.asdict(check)
        data["verdict"] = check.verdict.value
        data["max_abs_diff"] = _worst_diff(check)
        if check.comparison is not None:
            data["comparison"]["custom_nodes_differ"] = [n.text() for n in check.comparison.reference_custom_nodes] != [
                n.text() for n in check.comparison.candidate_custom_nodes
            ]
        models.append(data)
    return _plain(
        {
            "tool": "onnx-migrate check",
            "schema_version": SCHEMA_VERSION,
            "script": result.script,
            "verdict": result.verdict.value,
            "exit_code": result.exit_code,
            "errors": list(result.errors),
            "skipped": [dataclasses.asdict(s) for s in result.skipped],
            "models": models,
        }
    )


def _plain(value: Any) -> Any:
    """JSON-shaped data: tuples as lists, so ``to_dict`` equals what ``to_json`` parses back to."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def to_json(result: CheckResult) -> str:
    return json.dumps(to_dict(result), indent=2, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# -- Markdown --------------------------------------------------------------------------------------


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_code(text: str) -> str:
    return f"`{_md(text)}`" if text else ""


def to_markdown(result: CheckResult) -> str:
    """A pull-request comment: summary table, then per model the reasons, numbers and op histograms."""
    lines = [f"# onnx-migrate check: {_MARKS[result.verdict]} {result.verdict.value}", ""]
    if result.script:
        lines.append(f"Script: `{result.script}` — {len(result.models)} model(s): {_counts(result)}.")
        lines.append("")
    for error in result.errors:
        lines.append(f"> **Error:** {_md(error)}")
        lines.append("")
    if result.models:
        lines += [
            "| # | Model | Output | Reference | Verdict | Max abs diff | Ops (reference -> onnx_migrate) |",
            "|---|---|---|---|---|---|---|",
        ]
        for check in result.models:
            lines.append(
                f"| {check.index} | {_md(check.model)} | {_md(check.destination or '-')} | {_md(check.reference)} | "
                f"{_MARKS[check.verdict]} {check.verdict.value} | {_diff_text(_worst_diff(check))} | {_op_totals(check.comparison)} |"
            )
        lines.append("")
    for check in result.models:
        lines += _markdown_model(check)
    if result.skipped:
        lines.append("Not compared (new-style calls left to torch's exporter):")
        lines += [f"- {_md(s.model)} at `{s.call_site}`: {_md(s.reason)}" for s in result.skipped]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_model(check: ModelCheck) -> list[str]:
    lines = [f"## {_md(check.title)} — {_MARKS[check.verdict]} {check.verdict.value}", ""]
    lines.append(f"Exported at `{check.call_site}`, compared with {_md(check.reference)}.")
    lines.append("")
    if check.reasons:
        heading = (
            "Why" if check.verdict in (Verdict.DIFFERENT, Verdict.ERROR) else "Differences explained by equal numbers"
        )
        lines += [f"**{heading}**", ""] + [f"- {_md(r)}" for r in check.reasons] + [""]
    if check.notes:
        lines += ["**Notes**", ""] + [f"- {_md(n)}" for n in check.notes] + [""]
    comparison = check.comparison
    if comparison is None:
        return lines
    lines += ["| | reference | onnx_migrate |", "|---|---|---|"]
    lines += [f"| {what} | {_md(ref)} | {_md(ours)} |" for what, ref, ours in _side_by_side(comparison)]
    lines.append("")
    if comparison.numbers:
        lines += ["**Numbers** (ONNX Runtime, same inputs)", ""]
        lines += ["| Inputs | Output | Max abs diff | Max rel diff | Tolerance | Status |", "|---|---|---|---|---|---|"]
        for run in comparison.numbers:
            label = _run_label(run)
            for row in _run_rows(run):
                lines.append("| " + " | ".join(_md(cell) for cell in (label, *row)) + " |")
        lines.append("")
    lines += _markdown_histogram(comparison)
    if comparison.reference_custom_nodes or comparison.candidate_custom_nodes:
        lines += ["<details><summary>Custom-domain nodes</summary>", "", "| reference | onnx_migrate |", "|---|---|"]
        ref = [n.text() for n in comparison.reference_custom_nodes]
        ours = [n.text() for n in comparison.candidate_custom_nodes]
        for index in range(max(len(ref), len(ours))):
            left = ref[index] if index < len(ref) else ""
            right = ours[index] if index < len(ours) else ""
            lines.append(f"| {_md_code(left)} | {_md_code(right)} |")
        lines += ["", "</details>", ""]
    return lines


def _markdown_histogram(comparison: ModelComparison) -> list[str]:
    differing = comparison.differing_ops
    summary = f"{len(differing)} op type(s) differ" if differing else "same ops"
    lines = [
        f"<details{' open' if differing else ''}><summary>Op histogram after constant folding ({summary})</summary>",
        "",
    ]
    lines += ["| Op | Reference | onnx_migrate | Δ |", "|---|---:|---:|---:|"]
    for op in _sorted_ops(comparison.ops):
        name = f"**{_md(op.qualified)}**" if op.delta else _md(op.qualified)
        delta = f"**{op.delta:+d}**" if op.delta else ""
        lines.append(f"| {name} | {op.reference} | {op.candidate} | {delta} |")
    lines += ["", "</details>", ""]
    return lines


# -- HTML ------------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.differs { background: #fff8c5; }
.identical, .equivalent { color: #1a7f37; font-weight: bold; }
.different { color: #cf222e; font-weight: bold; }
.error { color: #9a6700; font-weight: bold; }
.bar { display: inline-block; height: 0.8em; vertical-align: middle; }
.bar.ref { background: #8c959f; } .bar.ours { background: #0969da; }
.histogram td.bars { width: 240px; }
code { background: #f6f8fa; padding: 0 3px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def to_html(result: CheckResult) -> str:
    """A self-contained page: summary, and per model the two op histograms side by side with bars."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>onnx-migrate check</title>',
        f"<style>{_CSS}</style></head><body>",
        f'<h1>onnx-migrate check: <span class="{result.verdict.value}">{_e(result.verdict.value)}</span></h1>',
    ]
    if result.script:
        parts.append(
            f"<p>Script <code>{_e(result.script)}</code> — {len(result.models)} model(s): {_e(_counts(result))}.</p>"
        )
    parts += [f'<p class="error">Error: {_e(error)}</p>' for error in result.errors]
    if result.models:
        parts.append("<table><tr><th>#</th><th>Model</th><th>Output</th><th>Reference</th><th>Verdict</th>"
                     "<th>Max abs diff</th><th>Ops (reference → onnx_migrate)</th></tr>")  # fmt: skip
        for check in result.models:
            parts.append(
                f"<tr><td>{check.index}</td><td>{_e(check.model)}</td><td>{_e(check.destination or '-')}</td>"
                f'<td>{_e(check.reference)}</td><td class="{check.verdict.value}">{_e(check.verdict.value)}</td>'
                f'<td class="num">{_e(_diff_text(_worst_diff(check)))}</td><td>{_e(_op_totals(check.comparison))}</td></tr>'
            )
        parts.append("</table>")
    for check in result.models:
        parts += _html_model(check)
    if result.skipped:
        parts.append("<p>Not compared (new-style calls left to torch's exporter):</p><ul>")
        parts += [f"<li>{_e(s.model)} at <code>{_e(s.call_site)}</code>: {_e(s.reason)}</li>" for s in result.skipped]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_list(title: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    return [f"<p><b>{_e(title)}</b></p><ul>", *(f"<li>{_e(item)}</li>" for item in items), "</ul>"]


def _html_model(check: ModelCheck) -> list[str]:
    parts = [
        f'<h2>{_e(check.title)} — <span class="{check.verdict.value}">{_e(check.verdict.value)}</span></h2>',
        f"<p>Exported at <code>{_e(check.call_site)}</code>, compared with {_e(check.reference)}.</p>",
    ]
    heading = "Why" if check.verdict in (Verdict.DIFFERENT, Verdict.ERROR) else "Differences explained by equal numbers"
    parts += _html_list(heading, check.reasons)
    parts += _html_list("Notes", check.notes)
    comparison = check.comparison
    if comparison is None:
        return parts
    parts.append("<table><tr><th></th><th>reference</th><th>onnx_migrate</th></tr>")
    for what, ref, ours in _side_by_side(comparison):
        marker = ' class="differs"' if ref != ours else ""
        parts.append(f"<tr{marker}><th>{_e(what)}</th><td>{_e(ref)}</td><td>{_e(ours)}</td></tr>")
    parts.append("</table>")
    if comparison.numbers:
        parts.append("<p><b>Numbers</b> (ONNX Runtime, same inputs)</p><table><tr><th>Inputs</th><th>Output</th>"
                     "<th>Max abs diff</th><th>Max rel diff</th><th>Tolerance</th><th>Status</th></tr>")  # fmt: skip
        for run in comparison.numbers:
            for output, max_abs, max_rel, tolerance, status in _run_rows(run):
                marker = ' class="differs"' if status != "ok" else ""
                parts.append(
                    f"<tr{marker}><td>{_e(_run_label(run))}</td><td>{_e(output)}</td>"
                    f'<td class="num">{_e(max_abs)}</td><td class="num">{_e(max_rel)}</td><td>{_e(tolerance)}</td>'
                    f"<td>{_e(status)}</td></tr>"
                )
        parts.append("</table>")
    parts += _html_histogram(comparison)
    if comparison.reference_custom_nodes or comparison.candidate_custom_nodes:
        parts.append("<p><b>Custom-domain nodes</b></p><table><tr><th>reference</th><th>onnx_migrate</th></tr>")
        ref = [n.text() for n in comparison.reference_custom_nodes]
        ours = [n.text() for n in comparison.candidate_custom_nodes]
        for index in range(max(len(ref), len(ours))):
            left = ref[index] if index < len(ref) else ""
            right = ours[index] if index < len(ours) else ""
            marker = ' class="differs"' if left != right else ""
            parts.append(f"<tr{marker}><td><code>{_e(left)}</code></td><td><code>{_e(right)}</code></td></tr>")
        parts.append("</table>")
    return parts


def _html_histogram(comparison: ModelComparison) -> list[str]:
    ops = _sorted_ops(comparison.ops)
    largest = max((max(op.reference, op.candidate) for op in ops), default=1) or 1
    parts = [
        f"<p><b>Op histogram after constant folding</b> ({len(comparison.differing_ops)} op type(s) differ)</p>",
        '<table class="histogram"><tr><th>Op</th><th>Reference</th><th>onnx_migrate</th><th>Δ</th><th></th></tr>',
    ]
    for op in ops:
        marker = ' class="differs"' if op.delta else ""
        ref_width, ours_width = 100 * op.reference // largest, 100 * op.candidate // largest
        bars = (
            f'<span class="bar ref" style="width:{ref_width}%"></span><br>'
            f'<span class="bar ours" style="width:{ours_width}%"></span>'
        )
        parts.append(
            f'<tr{marker}><td>{_e(op.qualified)}</td><td class="num">{op.reference}</td>'
            f'<td class="num">{op.candidate}</td><td class="num">{f"{op.delta:+d}" if op.delta else ""}</td>'
            f'<td class="bars">{bars}</td></tr>'
        )
    parts.append("</table>")
    return parts


# -- terminal --------------------------------------------------------------------------------------


def to_plain_text(result: CheckResult) -> str:
    """The terminal view without rich (no colours, no boxes)."""
    lines = [f"onnx-migrate check: {result.verdict.value} ({len(result.models)} model(s): {_counts(result)})"]
    lines += [f"error: {error}" for error in result.errors]
    for check in result.models:
        lines.append("")
        lines.append(f"{check.title}: {check.verdict.value.upper()}  (max abs diff {_diff_text(_worst_diff(check))}, "
                     f"ops {_op_totals(check.comparison)}, vs {check.reference})")  # fmt: skip
        lines += [f"  - {reason}" for reason in check.reasons]
        lines += [f"  note: {note}" for note in check.notes]
        if check.comparison is not None:
            for run in check.comparison.numbers:
                for output, max_abs, max_rel, _tolerance, status in _run_rows(run):
                    lines.append(f"  numbers on {_run_label(run)}, {output}: abs {max_abs}, rel {max_rel}: {status}")
    for skipped in result.skipped:
        lines.append(f"not compared: {skipped.model} at {skipped.call_site} ({skipped.reason})")
    return "\n".join(lines) + "\n"


def _write_terminal(result: CheckResult, stream: TextIO, *, color: bool | None) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        stream.write(to_plain_text(result))
        return
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    use_color = is_tty if color is None else color
    console = Console(
        file=stream, force_terminal=use_color, no_color=not use_color, highlight=False, width=None if is_tty else 120,
        soft_wrap=False,
    )  # fmt: skip
    style = _STYLES[result.verdict]
    console.print(
        f"[{style}]onnx-migrate check: {result.verdict.value}[/] ({len(result.models)} model(s): {_counts(result)})"
    )
    for error in result.errors:
        console.print(f"[bold yellow]error:[/] {_escape(error)}")
    if result.models:
        table = Table(show_lines=False)
        for header in ("#", "Model", "Output", "Reference", "Verdict", "Max abs diff", "Ops ref -> ours"):
            table.add_column(header, overflow="fold")
        for check in result.models:
            table.add_row(
                str(check.index), _escape(check.model), _escape(check.destination or "-"), _escape(check.reference),
                f"[{_STYLES[check.verdict]}]{check.verdict.value}[/]", _diff_text(_worst_diff(check)), _op_totals(check.comparison),
            )  # fmt: skip
        console.print(table)
    for check in result.models:
        if not check.reasons and not check.notes:
            continue
        console.print(f"[bold]{_escape(check.title)}[/] [{_STYLES[check.verdict]}]{check.verdict.value}[/]")
        for reason in check.reasons:
            console.print(f"  • {_escape(reason)}")
        for note in check.notes:
            console.print(f"  [dim]note: {_escape(note)}[/]")
        if check.comparison is not None and check.comparison.differing_ops:
            ops = Table(title=None, show_header=True, box=None, padding=(0, 2))
            for header in ("op", "reference", "onnx_migrate", "Δ"):
                ops.add_column(header, justify="left" if header == "op" else "right")
            for op in check.comparison.differing_ops:
                ops.add_row(_escape(op.qualified), str(op.reference), str(op.candidate), f"{op.delta:+d}")
            console.print(ops)
    for skipped in result.skipped:
        console.print(
            f"[dim]not compared: {_escape(skipped.model)} at {_escape(skipped.call_site)} ({_escape(skipped.reason)})[/]"
        )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))
