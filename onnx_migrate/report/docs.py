"""Generate ``docs/rules.md``, the per-rule migration guide, from the rule classes.

The guide and the scanner must say the same thing, so the page is rendered
from each rule's metadata and ``GUIDE`` (whose examples the tests run through
the scanner); a test fails when the checked-in page differs from this output
(``pytest tests/report --update-goldens`` rewrites it).
"""

from __future__ import annotations

from collections.abc import Sequence

from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Rule, docs_anchor

__all__ = ["explain", "render_rules_markdown"]

_INTRO = """\
# onnx-migrate report: rules

`onnx-migrate report PATH...` finds the places where code depends on torch's legacy
(TorchScript-based) ONNX exporter. Each finding has a rule code; this page says, per rule,
what it finds, what onnx_migrate does about it, and how the code looks before, with
onnx_migrate, and on native torch APIs.

*This page is generated from the rule classes in `onnx_migrate/report/rules/`
(`pytest tests/report --update-goldens` regenerates it); edit the rules, not the page.*

## Using the report

```
onnx-migrate report src/                      # terminal table, grouped by file
onnx-migrate report src/ --format markdown    # a migration ticket: totals, effort, plan
onnx-migrate report src/ --format sarif -o onnx.sarif   # for code-scanning UIs
onnx-migrate report src/ --fail-on error      # CI: exit 1 only for errors
onnx-migrate report src/ --fix                # the safe rewrites, as a diff
onnx-migrate report src/ --fix --write        # apply them
onnx-migrate report --explain OMG203          # one rule's section of this page
```

To run legacy code unchanged instead, `onnx_migrate.install()` (or `onnx-migrate run script.py`)
points the legacy names at onnx_migrate; each rule says what that covers.

- `--select OMG0,OMG101` / `--ignore OMG3` choose rules by code or prefix.
- `--exclude GLOB` skips paths (`.gitignore` syntax); `.gitignore` files are honoured
  (`--no-gitignore` turns that off). Both apply to what the walk finds: a file or folder named
  on the command line is always scanned, even inside an ignored folder (a vendored package,
  a venv's `site-packages/...`). A run that scans no file says so on stderr.
- `# noqa: OMG001` (or a bare `# noqa`) on a line silences findings on that line.
- Exit code: bit 1 = findings at or above `--fail-on` (default `warning`; with `--fix`: a diff
  is pending), bit 2 = files that could not be scanned (syntax error, encoding, unreadable,
  symlink loop).
- Files that never mention `onnx`, `symbolic`, `.op(` or `_C.` are not parsed (nothing can match there).
- The symbolic functions of one file are one OMG302 finding that names each with its line.

**Configuration.** The nearest `pyproject.toml` at or above the current directory with a
`[tool.onnx-migrate]` table sets defaults; command-line options win (`--no-config` ignores it):

```toml
[tool.onnx-migrate]
select = ["OMG0", "OMG1", "OMG2"]   # rule codes or prefixes
ignore = ["OMG302"]
exclude = ["third_party/", "*_pb2.py"]
fail-on = "error"                    # error, warning, info or never
```

**pre-commit.** The repository ships a hook (`.pre-commit-hooks.yaml`):

```yaml
- repo: https://github.com/OWNER/onnx_migrate   # where you get onnx_migrate from
  rev: v0.1.0
  hooks:
    - id: onnx-migrate-report
```

**GitHub code scanning.** Upload the SARIF output; findings then show on pull requests and in
the Security tab (`--fail-on never` lets the upload step run whatever is found):

```yaml
- run: pip install onnx-migrate && onnx-migrate report src/ --format sarif -o onnx-migrate.sarif --fail-on never
- uses: github/codeql-action/upload-sarif@v3
  with:
    sarif_file: onnx-migrate.sarif
    category: onnx-migrate
```

**Severities.** *error*: the code stops working when TorchScript goes (or already fails on
current torch). *warning*: it runs, but torch's torch.export-based exporter (the default since
torch 2.9) ignores or changes what it asks for. *info*: works unchanged with onnx_migrate;
listed to size a later move to native torch APIs.

**Codes.** OMG0xx: `torch.onnx.export` calls and keywords. OMG1xx: symbolic registration
(OMG10x) and the symbolic-library modules `symbolic_helper`/`symbolic_opsetN` (OMG11x).
OMG2xx: private, removed or TorchScript-bound paths (`torch.onnx.utils`, `_internal`, `GLOBALS`,
`JitScalarType`, `torch._C`). OMG3xx: symbolic functions and `autograd.Function.symbolic`.
OMG4xx: TorchScript models given to the exporter, `select_model_mode_for_export`,
`is_in_onnx_export`. Codes are stable; a retired code is never reused.

A name is resolved through imports and aliases (`import torch.onnx as tonnx`,
`from torch.onnx import export as onnx_export`, `from torch.onnx import *`), so look-alikes
(a local `export` function, a local module named `onnx`, text in strings and comments)
are not reported. A legacy module is reported where it enters a file (its import, or a full
`torch.onnx.symbolic_helper...` path); uses through that import are not reported again.
"""


def _section(rule: type[Rule]) -> str:
    fix = ", fixable with `--fix`" if rule.FIXABLE else ""
    parts = [
        f'<a id="{docs_anchor(rule.CODE)}"></a>',
        f"## {rule.CODE} `{rule.NAME}`",
        "",
        f"*{rule.SEVERITY.value}{fix}; effort: {rule.EFFORT.value}*",
        "",
        rule.SUMMARY,
        "",
        f"- **What onnx_migrate does:** {rule.AUTOMATIC}",
        f"- **Native torch:** {rule.NATIVE}",
        "",
        "Legacy code:",
        "",
        "```python",
        rule.GUIDE.before.rstrip("\n"),
        "```",
        "",
        "With onnx_migrate:",
        "",
        "```python",
        rule.GUIDE.onnx_migrate.rstrip("\n"),
        "```",
    ]
    if rule.GUIDE.native is not None:
        parts += ["", "Native torch:", "", "```python", rule.GUIDE.native.rstrip("\n"), "```"]
    if rule.GUIDE.notes:
        parts += ["", rule.GUIDE.notes]
    return "\n".join(parts)


def explain(code: str) -> str:
    """One rule's guide, as ``onnx-migrate report --explain CODE`` prints it (the page's section for it).

    Raises:
        KeyError: no rule has this code (the message lists the codes).
    """
    for rule in ALL_RULES:
        if rule.CODE == code.strip().upper():
            return _section(rule).split("\n", 1)[1] + "\n"  # without the HTML anchor
    raise KeyError(f"no rule {code!r}; the codes are {', '.join(rule.CODE for rule in ALL_RULES)}")


def render_rules_markdown(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The whole ``docs/rules.md`` page."""
    table = ["## All rules", "", "| Code | Name | Severity | Fix | Summary |", "|---|---|---|---|---|"]
    for rule in rules:
        fix = "yes" if rule.FIXABLE else ""
        summary = rule.SUMMARY.replace("|", "\\|")
        table.append(
            f"| [{rule.CODE}](#{docs_anchor(rule.CODE)}) | `{rule.NAME}` | {rule.SEVERITY.value} | {fix} | {summary} |"
        )
    sections = "\n\n".join(_section(rule) for rule in rules)
    return f"{_INTRO}\n" + "\n".join(table) + "\n\n" + sections + "\n"
