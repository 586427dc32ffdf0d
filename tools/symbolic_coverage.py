"""How much of the legacy exporter's symbolic library onnx_migrate covers, per opset.

Run ``python tools/symbolic_coverage.py [--opsets 9,11,13,17,20]
[--format text|markdown] [--list]``. It prints, for each opset, the ATen
names the built-in library registers and, when torch still ships the
TorchScript exporter's files, the names that exporter registered, which of
them onnx_migrate lacks and the share it covers.

The legacy exporter is never imported (onnx_migrate must not load it): its
installed ``symbolic_opset*.py`` files are located through
``importlib.util.find_spec("torch")`` and read with :mod:`ast`, collecting
the names given to ``_onnx_symbolic("aten::...")`` (and
``registration.onnx_symbolic``) and each module's opset.

Names ``torch.export`` cannot produce are left out of the comparison; see
:data:`EXCLUSIONS` for each group and why. A legacy in-place name
(``aten::relu_``) counts as covered when its out-of-place name is
registered, because the translator dispatches in-place ops there. A legacy
registration whose body only raises "unsupported" is not a capability and is
left out too.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import importlib.util
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry, dispatch_opset_version

__all__ = [
    "DEFAULT_OPSETS",
    "EXCLUSIONS",
    "Exclusion",
    "LegacyRegistration",
    "OpsetCoverage",
    "compute_coverage",
    "legacy_exporter_dir",
    "main",
    "read_legacy_registrations",
    "render",
]

DEFAULT_OPSETS: tuple[int, ...] = (9, 11, 13, 17, 20)

#: Where the TorchScript exporter's symbolic modules live inside the torch package, newest layout first.
_LEGACY_LOCATIONS = ("onnx/_internal/torchscript_exporter", "onnx")
_REGISTER_CALLS = frozenset({"_onnx_symbolic", "onnx_symbolic"})
_RAISES_ONLY = "legacy symbolic only raised 'unsupported'"
_RAISING_HELPERS = frozenset(
    {"_onnx_unsupported", "_unimplemented", "_onnx_opset_unsupported", "_onnx_opset_unsupported_detailed"}
)


@dataclasses.dataclass(frozen=True)
class Exclusion:
    """A group of legacy names ``torch.export`` cannot produce, and why."""

    reason: str
    matches: Callable[[str], bool]
    description: str


def _prefix(prefix: str) -> Callable[[str], bool]:
    return lambda name: name.startswith(prefix)


def _one_of(names: Iterable[str]) -> Callable[[str], bool]:
    chosen = frozenset(names)
    return lambda name: name in chosen


#: The legacy names left out of the comparison, by group.
EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion(
        "TorchScript IR construct",
        _prefix("prim::"),
        "prim:: nodes (constants, lists, tuples, If/Loop, dtype/device queries) exist only in TorchScript "
        "graphs; torch.export records Python values, getitem and higher-order ops instead.",
    ),
    Exclusion(
        "legacy exporter internal",
        _prefix("onnx::"),
        "onnx::Placeholder is a node the legacy exporter created itself, never a model op.",
    ),
    Exclusion(
        "eager-mode quantized kernel",
        _prefix("quantized::"),
        "quantized:: ops run on packed quantized weights (torch.ao eager-mode quantization); torch.export "
        "captures those weights as script objects, which the translator cannot take. QAT models export "
        "through fake_quantize ops instead.",
    ),
    Exclusion(
        "TorchScript-only builtin",
        _one_of(
            [
                # list and Python-object operations of TorchScript programs
                "aten::append",
                "aten::insert",
                "aten::pop",
                "aten::len",
                "aten::list",
                "aten::Delete",
                "aten::_set_item",
                "aten::__getitem_",
                "aten::__contains_",
                "aten::__is_",
                "aten::__isnot_",
                "aten::__not_",
                "aten::__range_length",
                "aten::__derive_index",
                # Python-level queries torch.export evaluates while tracing
                "aten::dim",
                "aten::is_floating_point",
                "aten::is_pinned",
                "aten::floordiv",
                # TorchScript's interpolate builtin (torch.export records upsample_* ops)
                "aten::__interpolate",
                # helpers of the legacy tracer, not ops
                "aten::_shape_as_tensor",
                "aten::_reshape_from_tensor",
                "aten::get_pool_ceil_padding",
            ]
        ),
        "TorchScript builtins for lists, None checks, integer arithmetic and tracer shape helpers; "
        "torch.export evaluates these in Python or records them as operator.* / sym_* nodes.",
    ),
)


@dataclasses.dataclass(frozen=True)
class LegacyRegistration:
    """One registration found in a legacy ``symbolic_opsetN.py``."""

    name: str
    opset: int
    raises_only: bool


@dataclasses.dataclass
class OpsetCoverage:
    """The comparison at one opset.

    Attributes:
        opset: the target opset.
        ours: qualified names the built-in library serves at this opset.
        legacy: names the legacy library served at this opset (``None`` when its files are absent).
        excluded: legacy names left out, with the reason.
        covered: legacy names onnx_migrate serves (directly or through in-place dispatch).
        missing: legacy names onnx_migrate does not serve.
    """

    opset: int
    ours: set[str]
    legacy: set[str] | None = None
    excluded: dict[str, str] = dataclasses.field(default_factory=dict)
    covered: set[str] = dataclasses.field(default_factory=set)
    missing: set[str] = dataclasses.field(default_factory=set)

    @property
    def comparable(self) -> int:
        return len(self.covered) + len(self.missing)

    @property
    def percent(self) -> float | None:
        return None if self.legacy is None or not self.comparable else 100.0 * len(self.covered) / self.comparable


# -- reading the legacy files ---------------------------------------------------------------------


def legacy_exporter_dir() -> Path | None:
    """The directory of torch's TorchScript exporter symbolic files, or ``None`` when torch no longer ships them."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    for location in _LEGACY_LOCATIONS:
        candidate = root / location
        if any(candidate.glob("symbolic_opset*.py")):
            return candidate
    return None


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _registered_names(call: ast.Call) -> list[str]:
    if _called_name(call) not in _REGISTER_CALLS or not call.args:
        return []
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return [first.value]
    return []  # f-strings: the opset 7/8 block lists, which mark ops unsupported


def _only_raises(function: ast.FunctionDef) -> bool:
    """Whether the function body (docstring aside) only reports the op as unsupported."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1:
        return False
    statement = body[0]
    if isinstance(statement, ast.Raise):
        return True
    if isinstance(statement, (ast.Return, ast.Expr)) and isinstance(statement.value, ast.Call):
        return _called_name(statement.value) in _RAISING_HELPERS
    return False


def _module_opset(tree: ast.Module, path: Path) -> int:
    """The ``opset=`` given to the module's ``functools.partial(registration.onnx_symbolic, opset=N)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(
            isinstance(arg, ast.Attribute) and arg.attr == "onnx_symbolic" for arg in node.args
        ):
            for keyword in node.keywords:
                if keyword.arg == "opset" and isinstance(keyword.value, ast.Constant):
                    return int(keyword.value.value)
    found = re.search(r"(\d+)$", path.stem)
    if found is None:
        raise ValueError(f"Cannot tell the opset of {path}.")
    return int(found.group(1))


def read_legacy_registrations(directory: Path) -> list[LegacyRegistration]:
    """Every ``_onnx_symbolic("...")`` registration in ``directory/symbolic_opset*.py``, by parsing the source."""
    registrations: list[LegacyRegistration] = []
    for path in sorted(directory.glob("symbolic_opset*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        opset = _module_opset(tree, path)
        decorated: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                raising = _only_raises(node)
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call):
                        decorated.add(id(decorator))
                        registrations.extend(
                            LegacyRegistration(n, opset, raising) for n in _registered_names(decorator)
                        )
        for node in ast.walk(tree):
            # Call forms: _onnx_symbolic("aten::max_pool2d_with_indices")(some_function)
            if isinstance(node, ast.Call) and id(node) not in decorated:
                registrations.extend(LegacyRegistration(n, opset, False) for n in _registered_names(node))
    return registrations


def _serving(registrations: Sequence[LegacyRegistration], opset: int) -> dict[str, LegacyRegistration]:
    """The registration serving ``opset`` for each name (the legacy dispatch rule)."""
    by_name: dict[str, dict[int, LegacyRegistration]] = {}
    for registration in registrations:
        by_name.setdefault(registration.name, {})[registration.opset] = registration
    serving = {}
    for name, versions in by_name.items():
        chosen = dispatch_opset_version(opset, set(versions))
        if chosen is not None:
            serving[name] = versions[chosen]
    return serving


# -- the comparison -----------------------------------------------------------------------------------


def _our_names(registry: SymbolicRegistry, opset: int) -> set[str]:
    return {name for name in registry.all_functions() if registry.is_registered_op(name, opset)}


def _inplace_base(name: str) -> str | None:
    namespace, _, op = name.partition("::")
    if op.endswith("_") and not op.endswith("__") and not op.startswith("__") and len(op) > 1:
        return f"{namespace}::{op[:-1]}"
    return None


def exclusion_reason(name: str) -> str | None:
    """Why a legacy name is left out of the comparison, or ``None``."""
    for group in EXCLUSIONS:
        if group.matches(name):
            return group.reason
    return None


def compute_coverage(
    opsets: Sequence[int] = DEFAULT_OPSETS,
    registry: SymbolicRegistry | None = None,
    legacy_dir: Path | None = None,
    *,
    read_legacy: bool = True,
) -> list[OpsetCoverage]:
    """The comparison at each of ``opsets`` (legacy fields empty when its files are absent)."""
    registry = registry or SymbolicRegistry.with_builtins()
    directory = (legacy_dir or legacy_exporter_dir()) if read_legacy else None
    registrations = read_legacy_registrations(directory) if directory is not None else None
    results = []
    for opset in opsets:
        ours = _our_names(registry, opset)
        coverage = OpsetCoverage(opset, ours)
        if registrations is not None:
            serving = _serving(registrations, opset)
            coverage.legacy = set(serving)
            for name, registration in sorted(serving.items()):
                reason = exclusion_reason(name)
                if reason is None and registration.raises_only:
                    reason = _RAISES_ONLY
                if reason is not None:
                    coverage.excluded[name] = reason
                elif name in ours or _inplace_base(name) in ours:
                    coverage.covered.add(name)
                else:
                    coverage.missing.add(name)
        results.append(coverage)
    return results


# -- output ----------------------------------------------------------------------------------------------


class OutputFormat(str, enum.Enum):
    TEXT = "text"
    MARKDOWN = "markdown"


def _since(results: Sequence[OpsetCoverage]) -> dict[str, int]:
    first: dict[str, int] = {}
    for coverage in results:
        for name in coverage.ours:
            first.setdefault(name, coverage.opset)
    return first


def _summary_rows(results: Sequence[OpsetCoverage]) -> list[list[str]]:
    rows = []
    for c in results:
        if c.legacy is None:
            rows.append([str(c.opset), str(len(c.ours)), "-", "-", "-", "-", "-"])
        else:
            rows.append(
                [
                    str(c.opset),
                    str(len(c.ours)),
                    str(len(c.legacy)),
                    str(len(c.excluded)),
                    str(c.comparable),
                    str(len(c.covered)),
                    f"{c.percent:.1f}%" if c.percent is not None else "-",
                ]
            )
    return rows


_HEADER = ["opset", "onnx_migrate names", "legacy names", "excluded", "comparable", "covered", "coverage"]


def render(results: Sequence[OpsetCoverage], output: OutputFormat = OutputFormat.TEXT, full_lists: bool = False) -> str:
    """The report as plain text or Markdown."""
    markdown = output == OutputFormat.MARKDOWN
    lines: list[str] = []
    if markdown:
        lines += [
            "# Symbolic library coverage",
            "",
            "Generated by `python tools/symbolic_coverage.py --format markdown`.",
            "It compares the built-in symbolics of onnx_migrate with the ATen names torch's TorchScript-based",
            "exporter registered (read from its installed `symbolic_opset*.py` files, never imported).",
            "",
            "| " + " | ".join(_HEADER) + " |",
            "|" + "---|" * len(_HEADER),
        ]
        lines += ["| " + " | ".join(row) + " |" for row in _summary_rows(results)]
    else:
        widths = [max(len(h), *(len(r[i]) for r in _summary_rows(results))) for i, h in enumerate(_HEADER)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(_HEADER, widths, strict=True)))
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in _summary_rows(results)]
    if all(c.legacy is None for c in results):
        lines += ["", "torch's TorchScript exporter files were not found: only onnx_migrate's names are listed."]
    for c in results:
        if c.legacy is None:
            continue
        title = f"Opset {c.opset}: legacy names onnx_migrate lacks ({len(c.missing)})"
        lines += ["", f"## {title}" if markdown else title, ""]
        lines += [f"- `{n}`" if markdown else f"  {n}" for n in sorted(c.missing)] or ["(none)"]
    lines += _exclusions(results, markdown)
    lines += _registered(results, markdown, full_lists)
    return "\n".join(lines) + "\n"


def _exclusions(results: Sequence[OpsetCoverage], markdown: bool) -> list[str]:
    compared = [c.opset for c in results if c.legacy is not None]
    excluded: dict[str, tuple[str, list[int]]] = {}
    for c in results:
        for name, reason in c.excluded.items():
            excluded.setdefault(name, (reason, []))[1].append(c.opset)
    if not excluded:
        return []
    title = "Legacy names left out of the comparison"
    lines = ["", f"## {title}" if markdown else title, ""]
    descriptions = {group.reason: group.description for group in EXCLUSIONS}
    descriptions[_RAISES_ONLY] = (
        "at these opsets the legacy registration only reported the op as unsupported (it needs a later opset); "
        "there was no ONNX form to cover."
    )
    for reason in sorted({r for r, _ in excluded.values()}):
        names = sorted(n for n, (r, _) in excluded.items() if r == reason)
        shown = []
        for name in names:
            opsets = excluded[name][1]
            label = f"`{name}`" if markdown else name
            shown.append(label if opsets == compared else f"{label} (opset {', '.join(map(str, opsets))})")
        head = f"**{reason}** ({len(names)})" if markdown else f"{reason} ({len(names)})"
        lines += [f"{head}: {descriptions[reason]}", "", ", ".join(shown), ""]
    return lines


def _registered(results: Sequence[OpsetCoverage], markdown: bool, full_lists: bool) -> list[str]:
    since = _since(results)
    title = "Names onnx_migrate registers (and the first listed opset serving each)"
    lines = ["", f"## {title}" if markdown else title, ""]
    if full_lists:
        for c in results:
            lines += [f"opset {c.opset} ({len(c.ours)}): " + ", ".join(sorted(c.ours)), ""]
        return lines
    for opset in sorted(set(since.values())):
        names = sorted(n for n, first in since.items() if first == opset)
        label = f"from opset {opset}" if opset != results[0].opset else f"at opset {opset}"
        lines += [
            f"**{label}** ({len(names)}): " + ", ".join(f"`{n}`" for n in names)
            if markdown
            else f"{label} ({len(names)}): " + ", ".join(names),
            "",
        ]
    return lines


def _parse_opsets(text: str) -> list[int]:
    try:
        opsets = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--opsets takes comma-separated integers, got {text!r}") from None
    if not opsets or any(not 7 <= o <= 23 for o in opsets):
        raise argparse.ArgumentTypeError(f"--opsets must be between 7 and 23, got {text!r}")
    return sorted(set(opsets))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the coverage report; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python tools/symbolic_coverage.py",
        description="Compare onnx_migrate's built-in symbolics with the legacy TorchScript exporter's, per opset.",
    )
    parser.add_argument("--opsets", type=_parse_opsets, default=list(DEFAULT_OPSETS), help="e.g. 9,11,13,17,20")
    parser.add_argument("--format", choices=[f.value for f in OutputFormat], default=OutputFormat.TEXT.value)
    parser.add_argument("--list", action="store_true", help="list every registered name at every opset")
    options = parser.parse_args(argv)
    results = compute_coverage(options.opsets)
    sys.stdout.write(render(results, OutputFormat(options.format), full_lists=options.list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
