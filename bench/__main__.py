"""`python -m bench`: the benchmarks of `make bench`, a section each, each against a baseline of the same run.

1. proxy: req/s through ours, ours without accounting, a bare mitmdump and direct, interleaved rounds;
2. writer: usage records per second through UsageWriter against single INSERTs (bench/writer.py);
3. policy: the domain index against a plain dict (bench/policy.py).
4. anomaly: precision and recall of each anomaly detector on generated traffic (bench/anomaly.py).
5. dashboard: a live-dashboard snapshot from the window against a recount of the hour (bench/dashboard.py).
6. reports: the whole city's month report page against a plain scan of its rollup (bench/reports.py).
7. samawa: a 100,000-row submission validated, stored and published against csv.reader + COPY, and the public
   data endpoint under load against the public catalog endpoint (bench/samawa.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from bench.anomaly import run_anomaly_bench
from bench.dashboard import run_dashboard_bench
from bench.policy import run_policy_bench
from bench.proxies import (
    BARE,
    ORG,
    OURS,
    PASSWORD,
    USER,
    WITHOUT_ACCOUNTING,
    check_accounting,
    measure_rounds,
    start_proxies,
    warm_up,
)
from bench.proxy_report import report
from bench.reports import run_reports_section
from bench.samawa import run_samawa_section
from bench.services import (
    BenchError,
    Children,
    bench_database,
    cancel_on_sigterm,
    child_env,
    log,
    log_problems,
    run_smedi,
    start_origin,
    tail,
)
from bench.traffic import MAX_RUN_SECONDS
from bench.writer import run_writer_bench
from smedi.logs import configure_logging

SECTION_RULE = "=" * 110


def print_section(lines: list[str]) -> None:
    print("\n".join(line.rstrip() for line in ["", SECTION_RULE, *lines]), flush=True)


async def proxy_bench(args: argparse.Namespace, children: Children) -> int:
    """The proxy comparison on one origin; 1 if a measured request failed."""
    async with contextlib.AsyncExitStack() as stack:
        home = Path(tempfile.mkdtemp(prefix="smedi-bench-"))
        stack.callback(shutil.rmtree, home, ignore_errors=True)  # registered first, so removed last
        database = await stack.enter_async_context(bench_database(home))
        stack.push_async_callback(children.stop_all)
        env = child_env(home, database)

        log(f"SMEDI_HOME={home}; adding OPD {ORG} and employee {USER}")
        cli_log = home / "smedi-cli.log"
        await run_smedi(children, env, cli_log, "org", "add", ORG, "Bench OPD")
        await run_smedi(
            children, env, cli_log, "user", "add", USER, "--org", ORG, "--password-stdin", stdin=PASSWORD
        )
        origin_port = await start_origin(children, env, home / "origin.log")
        url = f"http://127.0.0.1:{origin_port}/"
        cases = await start_proxies(children, env, home)
        by_name = {case.name: case for case in cases}

        answered = await warm_up(cases, url, args.concurrency)
        runs = await measure_rounds(cases, url, args)
        for run in runs:
            answered[run.case.name] += run.result.answered
        notes = await check_accounting(database, children, by_name[OURS], answered)
        for name in (WITHOUT_ACCOUNTING, BARE):
            process, log_path = by_name[name].process, by_name[name].log_path
            assert process is not None and log_path is not None
            exit_code = await children.stop(process)
            if name == WITHOUT_ACCOUNTING and exit_code != 0:
                notes.append(f"  !! {name} exited {exit_code}, not 0 after SIGTERM:\n{tail(log_path)}")
        for case in cases:
            problems = log_problems(case.log_path) if case.log_path else None
            if problems:
                listed = "; ".join(f"{event} x{n}" for event, n in problems.most_common(8))
                notes.append(
                    f"{case.name} proxy log: {sum(problems.values())} warning/error line(s): {listed}"
                )

        print_section([*report(args, cases, runs, database), "", *notes])
        failed = sum(run.result.error_count for run in runs)
        if failed:
            print(f"\n!! {failed} REQUEST(S) FAILED in the measured runs: the req/s do not compare")
            return 1
        return 0


async def bench(args: argparse.Namespace, children: Children) -> int:
    """The proxy and writer sections; one that cannot run is reported and the next still runs."""
    cancel_on_sigterm()
    status = 0
    try:
        status |= await proxy_bench(args, children)
    except BenchError as exc:
        print_section([f"!! proxy benchmark FAILED: {exc}"])
        status = 1
    if args.writer_records:
        try:
            lines, matched = await run_writer_bench(
                args.writer_records, args.writer_baseline, args.writer_rounds
            )
        except BenchError as exc:
            print_section([f"!! writer benchmark FAILED: {exc}"])
            status = 1
        else:
            print_section(lines)
            status |= not matched
    return status


def bounded(kind: Callable[[str], float], low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = kind(value.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {value}")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="S'MEDI's benchmarks, each against a baseline measured in the same run: (1) requests per "
        "second through our proxy, through the same proxy without usage accounting, through a bare mitmdump "
        "and direct, in interleaved rounds against one local origin (all traffic on 127.0.0.1); (2) usage "
        "records per second through the usage writer against single INSERTs; (3) the policy's domain index "
        "against a plain dict.",
        epilog="With DATABASE_URL set, fresh databases on that server are used and dropped afterwards; "
        "otherwise embedded PostgreSQL servers in temporary directories. Exit status 1 if any measured "
        "request failed, the writer's rows do not match what it was given, or a section could not run; "
        "timings never fail the run (targets are reported met or NOT met).",
    )
    proxy = parser.add_argument_group("proxy throughput")
    length = proxy.add_mutually_exclusive_group()
    length.add_argument(
        "--seconds", type=bounded(float, 0.5, 60), default=5.0, help="length of each run (default: 5)"
    )
    length.add_argument(
        "--requests",
        type=bounded(int, 1, 100_000),
        help=f"requests per run instead of a fixed time (a run still stops after {MAX_RUN_SECONDS:g} s)",
    )
    proxy.add_argument(
        "--concurrency", type=bounded(int, 1, 200), default=20, help="requests in flight (default: 20)"
    )
    proxy.add_argument(
        "--rounds",
        type=bounded(int, 1, 10),
        default=3,
        help="rounds of ours, no-acct, bare and direct, the order rotated each round (default: 3)",
    )
    writer = parser.add_argument_group("usage writer ingest")
    writer.add_argument(
        "--writer-records",
        type=bounded(int, 0, 10_000_000),
        default=300_000,
        help="records through UsageWriter, all rounds (default: 300,000; 0 skips the writer benchmark)",
    )
    writer.add_argument(
        "--writer-baseline",
        type=bounded(int, 1, 1_000_000),
        default=20_000,
        help="records through single INSERTs, the baseline, all rounds (default: 20,000)",
    )
    writer.add_argument(
        "--writer-rounds",
        type=bounded(int, 1, 10),
        default=3,
        help="rounds of the writer and the INSERTs, the order alternating (default: 3)",
    )
    policy = parser.add_argument_group("policy lookup")
    policy.add_argument(
        "--policy-domains",
        type=bounded(int, 0, 5_000_000),
        default=2_000_000,
        help="domains in the policy benchmark's snapshot (default: 2,000,000; 0 skips it)",
    )
    anomaly = parser.add_argument_group("anomaly detectors")
    anomaly.add_argument(
        "--anomaly-employees",
        type=bounded(int, 0, 5_000),
        default=200,
        help="employees in the generated month of traffic (default: 200; 0 skips it)",
    )
    dashboard = parser.add_argument_group("live dashboard")
    dashboard.add_argument(
        "--dashboard-records",
        type=bounded(int, 0, 10_000_000),
        default=1_000_000,
        help="records in the live dashboard's generated hour (default: 1,000,000; 0 skips it)",
    )
    reports = parser.add_argument_group("usage reports")
    reports.add_argument(
        "--report-rounds",
        type=bounded(int, 0, 20),
        default=5,
        help="rounds of the city's month report page and its baseline (default: 5; 0 skips it)",
    )
    samawa = parser.add_argument_group("SAMAWA ingest and public data")
    samawa.add_argument(
        "--samawa-rows",
        type=bounded(int, 0, 1_000_000),
        default=100_000,
        help="rows in the SAMAWA submission validated, stored and published (default: 100,000; 0 skips it)",
    )
    samawa.add_argument(
        "--samawa-seconds",
        type=bounded(float, 0.5, 60),
        default=5.0,
        help="length of each run of the public data endpoint under load (default: 5)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(json=False, level=logging.WARNING)  # the writer's warnings show, migrations are quiet
    # The embedded PostgreSQL's helper warns when XDG_RUNTIME_DIR is unset (root shells): harmless.
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    children = Children()
    try:
        status = asyncio.run(bench(args, children))
        if args.policy_domains:
            try:
                print_section(run_policy_bench(args.policy_domains))
            except BenchError as exc:
                print_section([f"!! policy benchmark FAILED: {exc}"])
                status = 1
        if args.anomaly_employees:
            lines, met = run_anomaly_bench(employees=int(args.anomaly_employees))
            print_section(lines)
            status |= not met
        if args.dashboard_records:
            print_section(run_dashboard_bench(int(args.dashboard_records)))
        if args.report_rounds:
            print_section(run_reports_section(int(args.report_rounds)))
        if args.samawa_rows:
            lines, answered = run_samawa_section(int(args.samawa_rows), args.samawa_seconds)
            print_section(lines)
            status |= not answered
        return status
    except KeyboardInterrupt:
        log("interrupted; what the bench started is stopped and removed")
        return 130
    except asyncio.CancelledError:
        log("terminated; what the bench started is stopped and removed")
        return 143
    finally:
        children.kill_leftovers()


if __name__ == "__main__":
    raise SystemExit(main())
