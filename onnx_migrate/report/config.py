"""``[tool.onnx-migrate]`` in ``pyproject.toml``: the report's settings, kept with the project.

Like ruff's ``[tool.ruff]``: the nearest ``pyproject.toml`` at or above the
current directory that has the table is used; command-line options win over it.
Keys: ``select``, ``ignore`` (rule codes or prefixes), ``exclude`` (``.gitignore``
patterns, added to ``--exclude``) and ``fail-on`` (``error``/``warning``/``info``/``never``).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "ReportConfig", "find_config", "load_config"]

FAIL_ON = ("error", "warning", "info", "never")
_KEYS = ("select", "ignore", "exclude", "fail-on")


class ConfigError(ValueError):
    """The ``[tool.onnx-migrate]`` table has a key or value the report does not understand."""


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    """Settings from the project; ``None`` where the project sets nothing."""

    path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    fail_on: str | None = None


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` with a ``[tool.onnx-migrate]`` table."""
    for directory in [start.resolve(), *start.resolve().parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "onnx-migrate" in _read(candidate).get("tool", {}):
            return candidate
    return None


def load_config(start: Path) -> ReportConfig:
    """The settings of the project around ``start`` (empty when there is none)."""
    path = find_config(start)
    if path is None:
        return ReportConfig()
    table = _read(path)["tool"]["onnx-migrate"]
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{path}: [tool.onnx-migrate] has unknown key(s) {', '.join(unknown)}; known: {', '.join(_KEYS)}")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise ConfigError(f"{path}: [tool.onnx-migrate] fail-on = {fail_on!r}; use one of {', '.join(FAIL_ON)}")
    return ReportConfig(
        path=path,
        select=_codes(path, "select", table.get("select")),
        ignore=_codes(path, "ignore", table.get("ignore")),
        exclude=_codes(path, "exclude", table.get("exclude")) or (),
        fail_on=fail_on,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it as TOML ({error})") from error


def _codes(path: Path, key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: [tool.onnx-migrate] {key} must be a list of strings, got {value!r}")
    return tuple(value)
