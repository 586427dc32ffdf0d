"""The onnx-migrate entry point: help, version, one-line user errors, the demo, machine-readable output.

Each test asserts the exit code and the first line a user sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from onnx_migrate import cli

ROOT = Path(__file__).resolve().parents[2]

#: A script whose export fails inside onnx_migrate: a custom op nobody wrote a symbolic for.
FAILING_EXPORT = """
import torch

@torch.library.custom_op("cli_test_lib::twice", mutates_args=())
def twice(x: torch.Tensor) -> torch.Tensor:
    return x * 2

@twice.register_fake
def _(x):
    return torch.empty_like(x)

class Twice(torch.nn.Module):
    def forward(self, x):
        return twice(x)

def export_it():
    torch.onnx.export(Twice(), (torch.randn(3),), "unused.onnx", opset_version=13, dynamo=False)

export_it()
"""


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _first_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.strip())


def _cli_subprocess(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from onnx_migrate.cli import main; code = main(sys.argv[1:]); " \
        "print('torch imported' if 'torch' in sys.modules else 'torch not imported'); sys.exit(code)"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


# -- install: one install, every command ---------------------------------------------------------


def test_report_dependencies_are_regular_and_the_cli_extra_still_resolves() -> None:
    """Test: rich/libcst/pathspec are regular dependencies; `pip install onnx-migrate[cli]` still names an extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {requirement.split(">")[0].split("=")[0].split("<")[0] for requirement in project["dependencies"]}
    assert {"rich", "libcst", "pathspec"} <= names
    assert project["optional-dependencies"]["cli"] == []


# -- help and version ----------------------------------------------------------------------------


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """Test: --help exits 0, starts with usage and lists demo, run, check and report."""
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert _first_line(out).startswith("usage: onnx-migrate")
    for name in ("demo", "run", "check", "report"):
        assert name in out


def test_bare_command_prints_short_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    """Test: `onnx-migrate` alone exits 0 with the version line and one example per command."""
    code, out, _ = _main([], capsys)
    assert code == 0
    assert _first_line(out).startswith("onnx-migrate 0.")
    for example in ("onnx-migrate demo", "onnx-migrate run export.py", "onnx-migrate check", "onnx-migrate report src/"):
        assert example in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import onnx_migrate

    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"onnx-migrate {onnx_migrate.__version__}"


# -- user errors: one line, exit 2, before torch -------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        (["run", "nope.py"], "onnx-migrate run: error: no such script: nope.py"),
        (["check", "nope.py"], "onnx-migrate check: error: no such script: nope.py"),
        (["demo", "-o", "missing/dir/x.onnx"], "onnx-migrate demo: error: --output: the folder missing/dir does not exist"),
        (["demo", "--opset", "7"], "onnx-migrate demo: error: --opset 7: the demo model exports at opsets 11-23"),
    ],
)
def test_user_errors_are_one_line_exit_2_without_importing_torch(tmp_path: Path, argv: list[str], first_line: str) -> None:
    """Test: a wrong path or opset answers in one stderr line, exit 2, and torch is never imported."""
    done = _cli_subprocess(*argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0].startswith(first_line)
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert "torch not imported" in done.stdout


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """Test: with --debug the same mistake raises with its traceback (exit 1 from Python)."""
    done = _cli_subprocess("--debug", "run", "nope.py", cwd=tmp_path)
    assert done.returncode == 1
    assert _first_line(done.stderr) == "Traceback (most recent call last):"
    assert "UsageError: no such script: nope.py" in done.stderr


def test_an_export_error_in_the_demo_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Test: an onnx_migrate error raised by a command prints its message after `error:`, exit 2, no traceback."""
    from onnx_migrate.compat import demo
    from onnx_migrate.errors import UnsupportedSymbolicError

    def refuse(output: Path, opset: int | None, *, temporary: bool = False) -> int:
        raise UnsupportedSymbolicError("onnx_migrate_demo::clamp01", 11, (13,))

    monkeypatch.setattr(demo, "run_demo", refuse)
    code, _, err = _main(["demo"], capsys)
    assert code == 2
    assert _first_line(err).startswith(
        "onnx-migrate demo: error: Exporting the operator 'onnx_migrate_demo::clamp01' to ONNX opset version 11"
    )
    assert "Traceback" not in err


# -- the demo --------------------------------------------------------------------------------------


def test_demo_ends_with_next_steps_and_removes_its_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], default_registry
) -> None:
    """Test: the demo exits 0, says what to try next (run, check, report) and leaves no temp folder behind."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, _ = _main(["demo"], capsys)
    assert code == 0, out
    assert _first_line(out).startswith("Exported LegacyCNN to a temporary file (keep it with -o FILE)")
    tail = out.split("Next, on your own code:")[1]
    for command in ("onnx-migrate run", "onnx-migrate check", "onnx-migrate report"):
        assert command in tail
    assert not [path for path in tmp_path.iterdir() if path.name.startswith("onnx-migrate-demo-")]


# -- run: trimmed tracebacks, JSON on stdout -----------------------------------------------------------


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_run_trims_onnx_migrate_frames_from_a_failing_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: exit 1; the traceback shows the script's frames down to its export call, none of onnx_migrate's."""
    script = _write(tmp_path, "fails.py", FAILING_EXPORT)
    code, _, err = _main(["run", str(script)], capsys)
    assert code == 1
    traceback_text = err.split("=" * 72)[0]
    assert _first_line(traceback_text) == "Traceback (most recent call last):"
    frames = [line for line in traceback_text.splitlines() if line.startswith('  File "')]
    assert frames and all("fails.py" in line for line in frames), frames
    assert "onnx_migrate.errors.UnsupportedSymbolicError: Exporting the operator 'cli_test_lib::twice'" in err

    code, _, err = _main(["--debug", "run", str(script)], capsys)
    assert code == 1
    assert "onnx_migrate/compat/" in err.split("=" * 72)[0]


def test_run_json_goes_to_stdout_and_the_script_prints_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Test: `run --format json` prints parseable JSON on stdout (first line `[`); the script's print is on stderr."""
    script = _write(
        tmp_path,
        "tiny.py",
        """
        import sys
        import torch

        torch.onnx.export(torch.nn.ReLU(), (torch.randn(2),), sys.argv[1], opset_version=13, dynamo=False)
        print("exported it")
        """,
    )
    code, out, err = _main(["run", "--format", "json", str(script), str(tmp_path / "m.onnx")], capsys)
    assert code == 0, err
    assert _first_line(out) == "["
    (entry,) = json.loads(out)
    assert entry["route"] == "onnx_migrate" and entry["report"]["opset"] == 13
    assert "exported it" in err and "exported it" not in out


def test_run_text_report_is_plain_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: the text report on stderr has no Markdown tables or headings."""
    script = _write(
        tmp_path,
        "tiny.py",
        """
        import sys
        import torch

        torch.onnx.export(torch.nn.ReLU(), (torch.randn(2),), sys.argv[1], opset_version=13, dynamo=False)
        """,
    )
    code, _, err = _main(["run", str(script), str(tmp_path / "m.onnx")], capsys)
    assert code == 0
    assert "symbolics used (op, count, function, opset):" in err
    assert "| " not in err and "## " not in err
