"""``python -m conformance {run,list,report}``: see conformance/README.md."""

from __future__ import annotations

import argparse
import sys

from conformance import report, runner, sources, versions
from conformance.worker import DEFAULT_MODES, MODES


def _select(only: list[str] | None, smoke: bool, limit: int | None) -> list:
    cases = list(sources.all_cases())
    if only:
        cases = [c for c in cases if c.source in only or c.id in only]
    if smoke:
        cases = [c for c in cases if c.smoke]
    return cases[:limit] if limit else cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "list", "report", "port"):
        command = sub.add_parser(name)
        command.add_argument("--only", action="append", help="a source or a case id (repeatable)")
        command.add_argument("--smoke", action="store_true", help="the torch+torchvision subset CI runs")
        command.add_argument("--limit", type=int, help="at most this many cases (in corpus order)")
    run = sub.choices["run"]
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument("--timeout", type=float, default=900.0, help="seconds per case and mode")
    run.add_argument("--modes", help="comma-separated subset of " + ",".join(MODES)
                     + " (default: all; legacy,migrate with --smoke)")
    run.add_argument("--rerun", action="store_true", help="ignore cached results")
    run.add_argument("--no-report", action="store_true", help="do not rewrite docs/conformance.md")
    port = sub.choices["port"]
    port.add_argument("--jobs", type=int, default=2)
    port.add_argument("--timeout", type=float, default=1800.0, help="seconds per case")
    port.add_argument("--rerun", action="store_true", help="ignore cached results")
    sub.choices["report"].add_argument(
        "--results-of", metavar="FINGERPRINT",
        help="for cases not yet run with the current sources, report their migrate result from this "
             "onnx_migrate source fingerprint (a full run of earlier sources); the report says which")
    args = parser.parse_args(argv)
    cases = _select(args.only, args.smoke, args.limit)
    if getattr(args, "results_of", None):
        versions.FALLBACK_FINGERPRINT[:] = [args.results_of]
    if args.command == "list":
        for case in cases:
            print(case.id + ("  [smoke]" if case.smoke else ""))
        for skipped in sources.skipped_sources():
            print(f"# skipped {skipped.source}: {skipped.reason}")
        return 0
    if args.command == "port":
        from conformance import port_case, port_report

        selected = cases if args.only else [c for c in cases if port_case.is_port_candidate(c)]
        runner.run_cases(selected, ["port"], args.jobs, args.timeout, args.rerun)
        every = [c for c in sources.all_cases() if port_case.is_port_candidate(c)]
        path = port_report.write(every, runner.collect(every, ["port"]), "python -m conformance " + " ".join(
            sys.argv[1:] if argv is None else argv))
        print(f"wrote {path}", file=sys.stderr)
        return 0
    if args.command == "run":
        default = "legacy,migrate" if args.smoke else ",".join(DEFAULT_MODES)
        modes = [m for m in (args.modes or default).split(",") if m]
        runner.run_cases(cases, modes, args.jobs, args.timeout, args.rerun)
        if args.no_report:
            return _exit_code(cases)
    all_cases = list(sources.all_cases())
    path = report.write(all_cases, runner.collect(all_cases, DEFAULT_MODES), "python -m conformance " + " ".join(
        sys.argv[1:] if argv is None else argv))
    print(f"wrote {path}", file=sys.stderr)
    return _exit_code(cases)


def _exit_code(cases: list) -> int:
    """0 unless a selected case failed in the migrate mode where legacy exported (the smoke gate)."""
    rows = report.judge_all(cases, runner.collect(cases, DEFAULT_MODES))
    bad = [r for r in rows if r["legacy_ok"] and r["verdict"] in ("failed", "different")]
    for row in bad:
        print(f"{row['verdict']}: {row['case']}: {row['reason'][:200]}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
