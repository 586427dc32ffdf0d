"""``port.general`` over real legacy symbolic code it was not written against.

Every ``def f(g, ...)`` in torch's own legacy symbolic library, torchvision's registered
ops and onnxruntime's contrib ops (whichever are installed) goes through
``translate_general``. Each one must come back either as a function that parses, or as
a refusal with a reason and a line inside that very ``def`` of the original file: never an
exception. The definitions are compiled one by one at their original line numbers, so
the lines the refusals name are checked against the real files; their bodies never run.
"""

from __future__ import annotations

import __future__
import ast
import builtins
import importlib.util
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from onnx_migrate.legacy_symbolics.symbolic_helper import parse_args
from onnx_migrate.porting.general import GeneralFunction, NotGeneral, SchemaParameter, translate_general

#: parse_args descriptors as the Python values torch's new exporter passes (anything else: a tensor).
_DESCRIPTOR_ANNOTATIONS = {"i": "int", "f": "float", "b": "bool", "s": "str", "is": "Sequence[int]",
                           "fs": "Sequence[float]", "none": "Optional[int]"}


def _installed_file(module: str, relative: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.exists() else None


def _sources() -> list[pathlib.Path]:
    found: list[pathlib.Path] = []
    torch_legacy = _installed_file("torch", "onnx/_internal/torchscript_exporter")
    if torch_legacy is not None:
        found += sorted(torch_legacy.glob("symbolic_opset*.py"))
    for module, relative in (("torchvision", "ops/_register_onnx_ops.py"),
                             ("onnxruntime", "tools/pytorch_export_contrib_ops.py")):
        path = _installed_file(module, relative)
        if path is not None:
            found.append(path)
    return found


class _Anything:
    """What every name outside the ``def`` resolves to: default values may name module globals."""

    def __getattr__(self, name: str) -> _Anything:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return self


class _Globals(dict):
    """A module namespace in which every global the definitions name exists."""

    def __missing__(self, key: str) -> Any:
        if hasattr(builtins, key):
            raise KeyError(key)  # then Python looks in builtins
        return _Anything()


def _symbolic_defs(path: pathlib.Path) -> Iterator[tuple[ast.FunctionDef, int, str]]:
    """Each ``def f(g, ...)`` of ``path``, its first line (decorators included), and a module text that puts
    it at its original lines.

    Decorators other than ``parse_args`` register the function elsewhere; they become blank
    lines, and a ``parse_args`` decorator is kept, spelled as a plain ``@parse_args(...)``.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.FunctionDef) or not node.args.args or node.args.args[0].arg != "g":
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        body = [""] * (first - 1)
        for decorator in node.decorator_list:
            spelled = ast.unparse(decorator)
            span = decorator.end_lineno - decorator.lineno + 1  # type: ignore[operator]
            kept = re.sub(r"^[\w.]*\bparse_args\(", "parse_args(", spelled)
            body += [f"@{kept}" if kept.startswith("parse_args(") else ""] + [""] * (span - 1)
        indent = len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())
        body += [line[indent:] for line in lines[node.lineno - 1:node.end_lineno]]
        yield node, first, "\n".join(body) + "\n"


def _parameters(node: ast.FunctionDef, function: Any) -> list[SchemaParameter]:
    descriptors = getattr(function, "_port_test_descriptors", ())
    names = [a.arg for a in node.args.args[1:]]
    return [SchemaParameter(name, _DESCRIPTOR_ANNOTATIONS.get(descriptors[i]) if i < len(descriptors) else None)
            for i, name in enumerate(names)]


def _recording_parse_args(*descriptors: str) -> Any:
    """onnx_migrate's parse_args, remembering the descriptors so the test can build the schema's types."""
    decorate = parse_args(*descriptors)

    def apply(function: Any) -> Any:
        wrapped = decorate(function)
        wrapped._port_test_descriptors = descriptors
        return wrapped

    return apply


SOURCES = _sources()


@pytest.mark.skipif(not SOURCES, reason="none of torch's legacy symbolics, torchvision or onnxruntime is installed")
def test_every_real_symbolic_is_translated_or_refused_with_a_line_inside_it(tmp_path: pathlib.Path) -> None:
    outcomes: dict[str, int] = {"general": 0, "refused": 0}
    problems: list[str] = []
    for source in SOURCES:
        for index, (node, first, module_text) in enumerate(_symbolic_defs(source)):
            where = f"{source.name}:{node.lineno} {node.name}"
            copy = tmp_path / f"{source.stem}_{index}.py"  # inspect reads the source back from this file
            copy.write_text(module_text, encoding="utf-8")
            namespace = _Globals(parse_args=_recording_parse_args, __name__=copy.stem)
            code = compile(module_text, str(copy), "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
            exec(code, namespace)  # defines the function; its body never runs
            function = namespace[node.name]
            try:
                result = translate_general(function, f"translated_{node.name}", _parameters(node, function),
                                           custom_op_identifier=lambda domain, op: f"{domain}_{op}".replace(".", "_"))
            except Exception as exc:  # noqa: BLE001 - the point: nothing but a result or a refusal comes back
                problems.append(f"{where}: raised {type(exc).__name__}: {exc}")
                continue
            if isinstance(result, GeneralFunction):
                outcomes["general"] += 1
                tree = ast.parse(result.source)
                if [d.name for d in tree.body if isinstance(d, ast.FunctionDef)] != [f"translated_{node.name}"]:
                    problems.append(f"{where}: the general text does not define translated_{node.name}")
                continue
            assert isinstance(result, NotGeneral)
            outcomes["refused"] += 1
            if not result.reason.strip():
                problems.append(f"{where}: refused without a reason")
            elif result.line is not None and not first <= result.line <= node.end_lineno:  # type: ignore[operator]
                problems.append(f"{where}: refusal names line {result.line}, outside the def: {result.reason}")
    assert not problems, "\n".join(problems[:20])
    if any(path.name.startswith("symbolic_opset") for path in SOURCES):
        # torch's library alone has ~500 symbolics, of which dozens are plain g.op calls (neg, sin, mm ...)
        assert outcomes["general"] >= 30 and outcomes["refused"] >= 300, outcomes
    else:
        assert sum(outcomes.values()) >= 5, outcomes
