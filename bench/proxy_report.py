"""The proxy comparison's table: every run, the medians per case, and the ratios with their targets."""

from __future__ import annotations

import argparse
import os
import statistics

from mitmproxy.version import VERSION as MITMPROXY_VERSION

from bench.proxies import BARE, OURS, WITHOUT_ACCOUNTING, Case, Run
from bench.services import Database

TARGET_ACCOUNTING_ON_OFF = 0.9  # usage accounting may cost at most a tenth of the proxy's req/s
ROW = "{:>6}  {:<7}{:>8}{:>9}{:>9}{:>13}{:>8}  {}"


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def run_row(run: Run) -> str:
    r = run.result
    errors = ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common())
    errors = f"!! {errors}" if errors else "0"
    if r.cut_short:
        errors += f" (cut short: {r.cut_short})"
    client = f"{100 * r.client_cpu / r.elapsed:.0f}%" if r.elapsed else "-"
    return ROW.format(
        run.round,
        run.case.name,
        f"{r.rps:.0f}",
        fmt(r.latency_ms(50)),
        fmt(r.latency_ms(99)),
        fmt(run.cpu_ms_per_request, ".2f"),
        client,
        errors,
    )


def rps_ratio(runs: list[Run], rps: dict[str, float | None], a: str, b: str) -> tuple[float, str] | None:
    """Median req/s of `a` over `b`, and the text saying how it was reached and how rounds spread."""
    mine, theirs = rps[a], rps[b]
    if mine is None or not theirs:
        return None
    per_round = [
        x.result.rps / y.result.rps
        for x in runs
        for y in runs
        if x.case.name == a and y.case.name == b and x.round == y.round and y.result.rps
    ]
    spread = f"; per round {min(per_round):.2f} to {max(per_round):.2f}" if len(per_round) > 1 else ""
    return mine / theirs, f"{a} / {b} = {mine / theirs:.2f}  (median req/s {mine:.0f} / {theirs:.0f}{spread})"


def cpu_ratio(cpu: dict[str, float | None], a: str, b: str) -> str | None:
    mine, theirs = cpu[a], cpu[b]
    if not mine or not theirs:
        return None
    return f"proxy CPU per request, {a} / {b} = {mine / theirs:.2f}  ({mine:.2f} / {theirs:.2f} ms)"


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
    lines += [rule, *(run_row(run) for run in runs), rule]
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
    against_bare = rps_ratio(runs, rps, OURS, BARE)
    if against_bare:
        lines.append(against_bare[1])
    on_off = rps_ratio(runs, rps, OURS, WITHOUT_ACCOUNTING)
    if on_off:
        lines.append(f"accounting on / off: {on_off[1]}")
        lines.append(
            f"target: ≥ {TARGET_ACCOUNTING_ON_OFF:g} — {verdict(on_off[0] >= TARGET_ACCOUNTING_ON_OFF)}"
        )
    else:
        lines.append(
            f"accounting on / off: no req/s to compare; target ≥ {TARGET_ACCOUNTING_ON_OFF:g} — NOT met"
        )
    cpu_lines = [line for b in (BARE, WITHOUT_ACCOUNTING) if (line := cpu_ratio(cpu, OURS, b))]
    if cpu_lines:
        lines += [*cpu_lines, "  (CPU per request is steadier than req/s on a busy machine)"]
    return lines
