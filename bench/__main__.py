"""`python -m bench`: req/s through our proxy and a bare mitmdump, interleaved, on one local origin."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mitmproxy.version import VERSION as MITMPROXY_VERSION

from bench.policy import run_policy_bench
from bench.services import (
    BenchError,
    Children,
    Database,
    bench_database,
    child_env,
    free_port,
    log,
    log_problems,
    process_cpu_seconds,
    run_smedi,
    start_origin,
    tail,
    usage_rows,
    wait_for_port,
)
from bench.traffic import MAX_RUN_SECONDS, Result, run_load

ORG, USER, PASSWORD = "BENCH", "bench", "benchpass1"
WARMUP_REQUESTS = 200  # the first requests pay for argon2, connection setup and lazy imports: not measured
ACCOUNTING_GRACE = 2.0  # the usage writer flushes every 0.5 s: four flushes' grace before counting rows
MITMDUMP = Path(sys.executable).parent / "mitmdump"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    proxy: str | None = None
    headers: dict[str, str] | None = None
    process: asyncio.subprocess.Process | None = None  # the proxy, whose CPU time is measured
    log_path: Path | None = None


@dataclass(frozen=True)
class Run:
    round: int
    case: Case
    result: Result
    proxy_cpu: float | None  # CPU seconds the proxy process spent during the run

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.proxy_cpu is None or not self.result.answered:
            return None
        return self.proxy_cpu * 1000 / self.result.answered


def basic_auth(username: str, password: str) -> str:
    # Plain HTTP through a proxy is one absolute-form request, so the header rides on it: aiohttp 3.14
    # deprecates proxy_auth=, and its replacement proxy_headers= is only sent with CONNECT.
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


async def start_proxies(children: Children, env: dict[str, str], home: Path) -> list[Case]:
    ours_port, bare_port = free_port(), free_port()
    ours_log, bare_log = home / "smedi-proxy.log", home / "mitmdump.log"
    log(f"starting smedi proxy on 127.0.0.1:{ours_port} and mitmdump on 127.0.0.1:{bare_port}")
    ours = await children.start(
        sys.executable,
        "-m",
        "smedi",
        "proxy",
        env={**env, "SMEDI_PROXY_LISTEN": f"127.0.0.1:{ours_port}"},
        log_path=ours_log,
    )
    bare = await children.start(
        str(MITMDUMP),
        "-q",
        "--listen-host",
        "127.0.0.1",
        "--listen-port",
        str(bare_port),
        "--set",
        "connection_strategy=lazy",
        "--set",
        f"confdir={home / 'mitmdump'}",  # its own CA and no config.yaml from ~/.mitmproxy
        env=env,
        log_path=bare_log,
    )
    await asyncio.gather(
        wait_for_port("smedi proxy", ours_port, ours, ours_log),
        wait_for_port("mitmdump", bare_port, bare, bare_log),
    )
    return [
        Case(
            "ours",
            f"smedi proxy: Proxy-Authorization Basic as {USER}, policy, usage accounting to PostgreSQL",
            f"http://127.0.0.1:{ours_port}",
            {"Proxy-Authorization": basic_auth(USER, PASSWORD)},
            ours,
            ours_log,
        ),
        Case(
            "bare",
            "mitmdump -q --set connection_strategy=lazy (mitmproxy's default addons, no auth)",
            f"http://127.0.0.1:{bare_port}",
            None,
            bare,
            bare_log,
        ),
        Case("direct", "no proxy: the ceiling of this client and origin on this machine"),
    ]


async def measure(
    case: Case, round_: int, url: str, *, concurrency: int, requests: int | None, seconds: float | None
) -> Run:
    pid = case.process.pid if case.process else None
    cpu_before = process_cpu_seconds(pid) if pid else None
    result = await run_load(
        url,
        concurrency=concurrency,
        requests=requests,
        seconds=None if requests is not None else seconds,
        proxy=case.proxy,
        headers=case.headers,
    )
    cpu_after = process_cpu_seconds(pid) if pid else None
    proxy_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return Run(round_, case, result, proxy_cpu)


async def warm_up(cases: list[Case], url: str, concurrency: int) -> int:
    """Send WARMUP_REQUESTS through each case; fail if one passes nothing. Returns those answered by ours."""
    answered_ours = 0
    for case in cases:
        warm = await measure(case, 0, url, concurrency=concurrency, requests=WARMUP_REQUESTS, seconds=None)
        if case.name == "ours":
            answered_ours += warm.result.answered
        if not warm.result.ok:
            where = tail(case.log_path) if case.log_path else ""
            raise BenchError(f"no request through {case.name} succeeded: {dict(warm.result.errors)}\n{where}")
        log(f"warm-up {case.name}: {warm.result.rps:.0f} req/s, {warm.result.error_count} errors")
    return answered_ours


async def measure_rounds(cases: list[Case], url: str, args: argparse.Namespace) -> list[Run]:
    runs = []
    for round_ in range(1, args.rounds + 1):
        shift = (round_ - 1) % len(cases)  # each case takes each position in turn: drift hits all alike
        for case in cases[shift:] + cases[:shift]:
            run = await measure(
                case, round_, url, concurrency=args.concurrency, requests=args.requests, seconds=args.seconds
            )
            runs.append(run)
            errors = run.result.error_count
            loud = f"  !! {errors} ERRORS: {dict(run.result.errors)}" if errors else ""
            log(f"round {round_}/{args.rounds} {case.name}: {run.result.rps:.0f} req/s{loud}")
    return runs


async def check_accounting(database: Database, children: Children, ours: Case, answered: int) -> list[str]:
    """Rows for the bench user while the proxy runs and after it stopped, against the requests answered."""
    log(f"waiting {ACCOUNTING_GRACE:g} s for the usage writer")
    await asyncio.sleep(ACCOUNTING_GRACE)
    events_running, hourly_running = await usage_rows(database.url, USER)
    assert ours.process is not None and ours.log_path is not None
    exit_code = await children.stop(ours.process)
    events_final, hourly_final = await usage_rows(database.url, USER)

    def share(rows: int) -> str:
        return f"{100 * rows / answered:.1f}%" if answered else "-"

    lines = [
        f"accounting: {answered} requests answered through ours (warm-up included); rows for {USER}:",
        f"  {ACCOUNTING_GRACE:g} s after the last run  usage_events {events_running} "
        f"({share(events_running)}), usage_hourly.requests {hourly_running}",
        f"  after the proxy stopped    usage_events {events_final} "
        f"({share(events_final)}), usage_hourly.requests {hourly_final}",
    ]
    if events_final != answered or hourly_final != answered:
        lines.append("  !! the rows do not match the requests answered")
    if exit_code != 0:
        lines.append(f"  !! smedi proxy exited {exit_code}, not 0 after SIGTERM:\n{tail(ours.log_path)}")
    return lines


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


ROW = "{:>6}  {:<7}{:>8}{:>9}{:>9}{:>13}{:>8}  {}"


def report(args: argparse.Namespace, cases: list[Case], runs: list[Run], database: Database) -> list[str]:
    length = f"{args.requests} requests" if args.requests else f"{args.seconds:g} s"
    lines = [
        f"S'MEDI proxy benchmark: plain HTTP GET of a 1 KB body from a local origin, concurrency "
        f"{args.concurrency}, {length} per run, {args.rounds} interleaved round(s)",
        f"{os.cpu_count()} CPU(s), mitmproxy {MITMPROXY_VERSION}, {database.description}",
        *(f"  {case.name:<7} {case.description}" for case in cases),
        "",
        ROW.format("round", "case", "req/s", "p50 ms", "p99 ms", "proxy CPU", "client", "errors"),
        ROW.format("", "", "", "", "", "ms/req", "CPU", ""),
    ]
    rule = "-" * (len(lines[-1]) + 6)
    lines.append(rule)
    for run in runs:
        r = run.result
        errors = ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common())
        errors = f"!! {errors}" if errors else "0"
        if r.cut_short:
            errors += f" (cut short: {r.cut_short})"
        client = f"{100 * r.client_cpu / r.elapsed:.0f}%" if r.elapsed else "-"
        lines.append(
            ROW.format(
                run.round,
                run.case.name,
                f"{r.rps:.0f}",
                fmt(r.latency_ms(50)),
                fmt(r.latency_ms(99)),
                fmt(run.cpu_ms_per_request, ".2f"),
                client,
                errors,
            )
        )
    lines.append(rule)
    rps, cpu = {}, {}
    for case in cases:
        mine = [run for run in runs if run.case is case]
        rps[case.name] = median([run.result.rps for run in mine])
        cpu[case.name] = median([run.cpu_ms_per_request for run in mine])
        p50, p99 = (median([run.result.latency_ms(p) for run in mine]) for p in (50, 99))
        lines.append(
            ROW.format(
                "median",
                case.name,
                fmt(rps[case.name], ".0f"),
                fmt(p50),
                fmt(p99),
                fmt(cpu[case.name], ".2f"),
                "",
                "",
            )
        )
    lines.append("")
    ours, bare = rps["ours"], rps["bare"]
    if ours is not None and bare:
        per_round = [
            a.result.rps / b.result.rps
            for a in runs
            for b in runs
            if a.case.name == "ours" and b.case.name == "bare" and a.round == b.round and b.result.rps
        ]
        spread = f"; per round {min(per_round):.2f} to {max(per_round):.2f}" if len(per_round) > 1 else ""
        lines.append(f"ours / bare = {ours / bare:.2f}  (median req/s {ours:.0f} / {bare:.0f}{spread})")
    if cpu["ours"] and cpu["bare"]:
        lines.append(
            f"proxy CPU per request, ours / bare = {cpu['ours'] / cpu['bare']:.2f}  "
            f"({cpu['ours']:.2f} / {cpu['bare']:.2f} ms; steadier than req/s on a busy machine)"
        )
    return lines


async def bench(args: argparse.Namespace, children: Children) -> int:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # `kill` cleans up like Ctrl-C
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
        ours, bare = cases[0], cases[1]

        answered_ours = await warm_up(cases, url, args.concurrency)
        runs = await measure_rounds(cases, url, args)
        answered_ours += sum(run.result.answered for run in runs if run.case is ours)
        accounting = await check_accounting(database, children, ours, answered_ours)
        assert bare.process is not None
        await children.stop(bare.process)
        for case in (ours, bare):
            assert case.log_path is not None
            problems = log_problems(case.log_path)
            if problems:
                listed = "; ".join(f"{event} x{n}" for event, n in problems.most_common(8))
                accounting.append(
                    f"{case.name} proxy log: {sum(problems.values())} warning/error line(s): {listed}"
                )

        print(
            "\n".join(line.rstrip() for line in ["", *report(args, cases, runs, database), "", *accounting])
        )
        failed = sum(run.result.error_count for run in runs)
        if failed:
            print(f"\n!! {failed} REQUEST(S) FAILED in the measured runs: the req/s do not compare")
            return 1
        return 0


def bounded(kind: Callable[[str], float], low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {value}")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Requests per second through S'MEDI's proxy and through a bare mitmdump, in interleaved "
        "rounds against one local origin (all traffic on 127.0.0.1), and their ratio.",
        epilog="With DATABASE_URL set, a fresh database on that server is used and dropped afterwards; "
        "otherwise the embedded PostgreSQL in a temporary SMEDI_HOME. Exit status 1 if any measured request "
        "failed; timings never fail the run.",
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument(
        "--seconds", type=bounded(float, 0.5, 60), default=5.0, help="length of each run (default: 5)"
    )
    length.add_argument(
        "--requests",
        type=bounded(int, 1, 100_000),
        help=f"requests per run instead of a fixed time (a run still stops after {MAX_RUN_SECONDS:g} s)",
    )
    parser.add_argument(
        "--concurrency", type=bounded(int, 1, 200), default=20, help="requests in flight (default: 20)"
    )
    parser.add_argument(
        "--rounds",
        type=bounded(int, 1, 10),
        default=3,
        help="rounds of ours, bare and direct, the order rotated each round (default: 3)",
    )
    parser.add_argument(
        "--policy-domains",
        type=bounded(int, 0, 5_000_000),
        default=2_000_000,
        help="domains in the policy benchmark's snapshot (default: 2,000,000; 0 skips it)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The embedded PostgreSQL's helper warns when XDG_RUNTIME_DIR is unset (root shells): harmless.
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    children = Children()
    try:
        status = asyncio.run(bench(args, children))
        if args.policy_domains:
            print("\n".join(["", *run_policy_bench(args.policy_domains)]), flush=True)
        return status
    except BenchError as exc:
        log(f"FAILED: {exc}")
        return 1
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
