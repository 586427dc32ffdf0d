"""Output formats: JSON against the shipped JSON Schema, SARIF against the SARIF 2.1.0 schema, text, Markdown."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from _report_testing import FIXTURES

from onnx_migrate.report.formats import OutputFormat, render, use_color
from onnx_migrate.report.formats.json_format import report_document
from onnx_migrate.report.formats.sarif import sarif_document
from onnx_migrate.report.results import ErrorKind, FileError, Finding, Result, Severity, exit_code
from onnx_migrate.report.rules import ALL_RULES, select_rules
from onnx_migrate.report.scanner import ScanOptions, scan_paths

SCHEMAS = resources.files("onnx_migrate.report") / "schema"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[Result]:
    """The fixture tree plus two files that cannot be scanned."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "syntax.py").write_text("import torch.onnx\ndef broken(: torch.onnx.export\n", encoding="utf-8")
    (bad / "latin1.py").write_bytes(b"# torch.onnx\nname = '\xe9'\n")
    return scan_paths([FIXTURES / "scan", bad], ScanOptions(respect_gitignore=False))


def test_json_validates_against_shipped_schema(results: list[Result]) -> None:
    schema = _schema("report.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads(render(results, OutputFormat.JSON))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["summary"]["files_with_errors"] == 2
    assert document["summary"]["findings"] == sum(len(r.findings) for r in results) > 50
    assert {rule["code"] for rule in document["rules"]} == {rule.CODE for rule in ALL_RULES}


def test_json_schema_rejects_wrong_documents(results: list[Result]) -> None:
    validator = jsonschema.Draft202012Validator(_schema("report.schema.json"))
    document = report_document(results)
    broken = json.loads(json.dumps(document))
    broken["results"][0]["findings"][0]["severity"] = "fatal"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(document))
    del broken["summary"]["fixable"]
    assert not validator.is_valid(broken)


def test_sarif_validates_against_sarif_2_1_0(results: list[Result]) -> None:
    schema = _schema("sarif-2.1.0.schema.json")
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    document = json.loads(render(results, OutputFormat.SARIF))
    validator_class(schema).validate(document)
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "onnx-migrate"
    assert len(run["results"]) == sum(len(r.findings) for r in results)
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 2
    assert run["invocations"][0]["executionSuccessful"] is False
    first = run["results"][0]
    rule = run["tool"]["driver"]["rules"][first["ruleIndex"]]
    assert rule["id"] == first["ruleId"]
    location = first["locations"][0]["physicalLocation"]
    assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1


def test_sarif_schema_catches_a_broken_log(results: list[Result]) -> None:
    schema = _schema("sarif-2.1.0.schema.json")
    document = sarif_document(results)
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(document)


def test_sarif_paths() -> None:
    finding = Finding("OMG001", Severity.ERROR, 1, 1, 1, 5, "m")
    document = sarif_document([Result("src/my model.py", (finding,)), Result("/abs/x.py", (finding,))])
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]]
    assert locations == [{"uri": "src/my%20model.py", "uriBaseId": "%SRCROOT%"}, {"uri": "file:///abs/x.py"}]


def test_text_has_no_colour_unless_asked(results: list[Result], monkeypatch: pytest.MonkeyPatch) -> None:
    plain = render(results, OutputFormat.TEXT, color=False)
    assert "\033[" not in plain
    assert "\033[31m" in render(results, OutputFormat.TEXT, color=True)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(io.StringIO()) is False  # a pipe or file
    assert use_color(Terminal()) is True
    assert use_color(Terminal(), "never") is False
    assert use_color(io.StringIO(), "always") is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Terminal()) is False


def test_text_lists_unscannable_files(results: list[Result]) -> None:
    text = render(results, OutputFormat.TEXT)
    assert "not scanned  syntax: syntax error (line 2)" in text
    assert "not scanned  encoding:" in text
    assert "2 files could not be scanned" in text


def test_markdown_is_a_ticket(results: list[Result]) -> None:
    markdown = render(results, OutputFormat.MARKDOWN)
    for heading in ("## Findings per rule", "## Effort", "## Plan", "## Findings by file", "## Files that could not"):
        assert heading in markdown
    assert "[OMG001](docs/rules.md#omg001)" in markdown
    assert "`onnx-migrate report --fix PATH...`" in markdown


def test_formats_with_nothing_found(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import torch\nprint(torch.ones(1))\n", encoding="utf-8")
    results = scan_paths([tmp_path])
    assert "No legacy ONNX export use found in 1 file." in render(results, OutputFormat.TEXT)
    assert "No legacy ONNX export use found." in render(results, OutputFormat.MARKDOWN)
    jsonschema.validate(json.loads(render(results, OutputFormat.JSON)), _schema("report.schema.json"))
    assert json.loads(render(results, OutputFormat.SARIF))["runs"][0]["results"] == []


def test_selected_rules_only_in_metadata(results: list[Result]) -> None:
    rules = select_rules(["OMG1"])
    document = report_document(results, rules)
    assert [rule["code"] for rule in document["rules"]] == ["OMG101", "OMG102", "OMG110", "OMG111"]


def test_exit_code_bitmask() -> None:
    warning = Finding("OMG003", Severity.WARNING, 1, 1, 1, 2, "m")
    failed = Result("b.py", error=FileError(ErrorKind.SYNTAX, "bad"))
    assert exit_code([Result("a.py", (warning,))], Severity.INFO) == 1
    assert exit_code([Result("a.py", (warning,))], Severity.WARNING) == 1
    assert exit_code([Result("a.py", (warning,))], Severity.ERROR) == 0
    assert exit_code([Result("a.py", (warning,))], None) == 0
    assert exit_code([Result("a.py", (warning,)), failed], Severity.INFO) == 3
    assert exit_code([failed], None) == 2
