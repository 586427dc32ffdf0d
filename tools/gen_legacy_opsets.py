"""Regenerate ``onnx_migrate/legacy_symbolics/legacy_opsets.py`` from torch's legacy exporter sources.

Why: whether a user's custom symbolic or a built-in serves a target opset depends
on the opset keys the built-ins are registered at. onnx_migrate decides it with
the keys torch's legacy library used, so those keys are kept as data. They are
read here with ``ast`` from ``torch/onnx/_internal/torchscript_exporter/symbolic_opset*.py``
of the installed torch; the legacy modules are never imported.

Usage (from the repository root, with a torch that still ships the legacy files)::

    python tools/gen_legacy_opsets.py            # rewrite the data module
    python tools/gen_legacy_opsets.py --check    # exit 1 if the data module is stale

The collector understands every registration form the legacy files use: a
``functools.partial(registration.onnx_symbolic, opset=N)`` alias used as a
decorator (several stacked on one function register several names), the alias
called directly (``_onnx_symbolic("aten::x")(fn)``), an explicit ``opset=`` keyword,
and registrations inside ``for`` loops over a module-level tuple of strings with an
f-string name. Anything else that calls a registration function raises, so a new
form in a future torch cannot be silently skipped.
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import sys
from collections.abc import Iterator, Mapping

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA_MODULE = REPO_ROOT / "onnx_migrate" / "legacy_symbolics" / "legacy_opsets.py"
_REGISTRATION_FUNCTIONS = {"onnx_symbolic"}

Env = Mapping[str, object]


class UnknownRegistration(RuntimeError):
    """A registration call whose name or opset this collector cannot evaluate."""


def legacy_dir() -> pathlib.Path | None:
    """Where the installed torch keeps the legacy exporter, or ``None`` (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return None
    candidate = pathlib.Path(spec.origin).parent / "onnx" / "_internal" / "torchscript_exporter"
    return candidate if (candidate / "registration.py").is_file() else None


def _evaluate(node: ast.expr, env: Env) -> object:
    """The value of a constant-like expression: literals, tuples, names bound in ``env``, f-strings."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_evaluate(item, env) for item in node.elts)
    if isinstance(node, ast.Name) and node.id in env:
        return env[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                parts.append(str(_evaluate(value.value, env)))
            else:
                parts.append(str(_evaluate(value, env)))
        return "".join(parts)
    raise UnknownRegistration(f"cannot evaluate {ast.unparse(node)!r}")


def _partial_opset(node: ast.expr) -> int | None:
    """``N`` when ``node`` is ``functools.partial(registration.onnx_symbolic, opset=N)``."""
    if not (isinstance(node, ast.Call) and ast.unparse(node.func) in {"functools.partial", "partial"}):
        return None
    if not node.args or _callee_name(node.args[0]) not in _REGISTRATION_FUNCTIONS:
        return None
    for keyword in node.keywords:
        if keyword.arg == "opset" and isinstance(keyword.value, ast.Constant):
            return int(keyword.value.value)
    raise UnknownRegistration(f"partial without a constant opset: {ast.unparse(node)!r}")


def _callee_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Collector:
    """Walks one module and records ``(name, opset)`` for every built-in registration."""

    def __init__(self, module: ast.Module, filename: str) -> None:
        self.filename = filename
        self.aliases: dict[str, int] = {}  # alias name -> opset of its partial
        self.constants: dict[str, object] = {}  # module-level tuples of strings (loop sources)
        self.found: set[tuple[str, int]] = set()
        for statement in module.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    opset = _partial_opset(statement.value)
                    if opset is not None:
                        self.aliases[target.id] = opset
                    else:
                        try:
                            self.constants[target.id] = _evaluate(statement.value, {})
                        except UnknownRegistration:
                            pass
        self._visit(module, dict(self.constants))

    def _registration(self, call: ast.Call, env: Env) -> None:
        callee = _callee_name(call.func)
        if callee in self.aliases:
            opset: object = self.aliases[callee]
        elif callee in _REGISTRATION_FUNCTIONS:
            opset = None
        else:
            return
        where = f"{self.filename}:{call.lineno}"
        if not call.args:
            raise UnknownRegistration(f"{where}: registration without a name")
        name = _evaluate(call.args[0], env)
        for keyword in call.keywords:
            if keyword.arg == "opset":
                opset = _evaluate(keyword.value, env)
            elif keyword.arg == "custom":
                raise UnknownRegistration(f"{where}: a custom registration inside the built-in library")
        if len(call.args) > 1:
            opset = _evaluate(call.args[1], env)
        opsets = opset if isinstance(opset, tuple) else (opset,)
        if not isinstance(name, str) or "::" not in name or not all(isinstance(v, int) for v in opsets):
            raise UnknownRegistration(f"{where}: cannot read name/opset of {ast.unparse(call)!r}")
        self.found.update((name, int(v)) for v in opsets)  # type: ignore[arg-type]

    def _visit(self, node: ast.AST, env: dict[str, object]) -> None:
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            try:
                items = _evaluate(node.iter, env)
            except UnknownRegistration:
                items = None
            if isinstance(items, tuple):
                for item in items:
                    inner = {**env, node.target.id: item}
                    for child in node.body:
                        self._visit(child, inner)
                return
        if isinstance(node, ast.Call):
            self._registration(node, env)
        for child in ast.iter_child_nodes(node):
            self._visit(child, env)


def _opset_modules(directory: pathlib.Path) -> Iterator[pathlib.Path]:
    yield from sorted(directory.glob("symbolic_opset*.py"), key=lambda p: int(p.stem.removeprefix("symbolic_opset")))


def collect(directory: pathlib.Path) -> dict[str, tuple[int, ...]]:
    """Every name the legacy library registers, with its sorted opset keys."""
    keys: dict[str, set[int]] = {}
    for path in _opset_modules(directory):
        collector = _Collector(ast.parse(path.read_text(encoding="utf-8")), path.name)
        for name, opset in collector.found:
            keys.setdefault(name, set()).add(opset)
    return {name: tuple(sorted(opsets)) for name, opsets in sorted(keys.items())}


def render(keys: Mapping[str, tuple[int, ...]], torch_version: str) -> str:
    """The source of the data module."""
    lines = [
        '"""The opset keys at which torch\'s legacy (TorchScript) exporter registered each built-in symbolic.',
        "",
        "Generated by ``tools/gen_legacy_opsets.py`` from the legacy exporter sources of",
        f"torch {torch_version} (read with ``ast``, never imported). Do not edit by hand.",
        "The registry decides custom-vs-built-in for these names with these keys, as legacy did.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "# fmt: off",
        "LEGACY_OPSETS: dict[str, tuple[int, ...]] = {",
    ]
    lines += [f"    {name!r}: {opsets!r}," for name, opsets in keys.items()]
    lines += ["}", "# fmt: on", ""]
    return "\n".join(lines)


def _torch_version(directory: pathlib.Path) -> str:
    version_file = directory.parent.parent.parent / "version.py"
    tree = ast.parse(version_file.read_text(encoding="utf-8"))
    for statement in tree.body:
        if isinstance(statement, ast.AnnAssign | ast.Assign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == "__version__" for t in targets):
                return str(_evaluate(statement.value, {}))  # type: ignore[arg-type]
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the data module is up to date")
    args = parser.parse_args(argv)
    directory = legacy_dir()
    if directory is None:
        print("the installed torch no longer ships the legacy exporter; nothing to generate", file=sys.stderr)
        return 2
    keys = collect(directory)
    if args.check:
        from onnx_migrate.legacy_symbolics.legacy_opsets import LEGACY_OPSETS

        stale = dict(LEGACY_OPSETS) != keys
        print(f"{DATA_MODULE.name} is {'stale' if stale else 'up to date'} ({len(keys)} names)")
        return 1 if stale else 0
    DATA_MODULE.write_text(render(keys, _torch_version(directory)), encoding="utf-8")
    print(f"wrote {DATA_MODULE} ({len(keys)} names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
