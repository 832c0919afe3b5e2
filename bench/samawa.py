"""`python -m bench.samawa`: SAMAWA's ingest of a large submission and its public data endpoint under load.

A realistic `publik` dataset (poor households per RW of each kelurahan of Kota Semarang, per month: the
kelurahan a foreign key to the Kemendagri reference codes, small counts suppressed in public) gets a
generated CSV of --rows rows (UTF-8 with BOM and CRLF as Excel writes it, some quoted commas), and a real
portal (`smedi portal`, a process of its own) receives it the way an OPD sends it:

1. ingest, in interleaved rounds: the CSV as a dry run (parse + validate), as a submission (parse + validate +
   store with a signed receipt) through POST /api/v1/datasets/{slug}/submissions with a signed token, and its
   approval (submission_store.approve: the version's canonical CSV and the COPY into dataset_rows), each in
   rows per second against the no-validation ceiling in the same run: the same CSV parsed with csv.reader and
   its rows COPYed as jsonb into a scratch table of dataset_rows' shape.
2. load: with the version published, GET /api/v1/public/datasets/{slug}/data at concurrency 20 for --seconds
   per run, pages at offsets spread over the whole table, with a filter (tahun) and with a sort, in rotated
   rounds against GET /api/v1/public/datasets (same portal, middlewares, pool and JSON, one small catalog
   query, no row work: the ratio is what reading the rows costs).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import io
import json
import logging
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from admin.directory import add_org
from admin.samawa.datasets import DatasetSpec, create_dataset
from admin.samawa.regions import load_regions
from admin.samawa.submission_store import approve
from admin.samawa.token_store import issue
from bench.services import (
    BenchError,
    Children,
    Database,
    bench_database,
    cancel_on_sigterm,
    child_env,
    free_port,
    log,
    log_problems,
    process_cpu_seconds,
    tail,
    wait_for_port,
)
from bench.traffic import Result
from smedi.db import connect, migrate
from smedi.logs import configure_logging
from smedi.settings import Settings

SEED = 2026
SLUG = "keluarga-miskin-rw"
ORG, ORG_NAME = "DINSOS", "Dinas Sosial"
WALIDATA = "bench-walidata"
LATEST_YEAR = 2024  # the rows run back from December of this year; the filter case asks for it
INGEST_ROUNDS = 3
LOAD_ROUNDS = 3
CONCURRENCY = 20
PAGE = 100
SUBMIT_TIMEOUT = aiohttp.ClientTimeout(total=600)
LOAD_TIMEOUT = aiohttp.ClientTimeout(total=30)  # a stuck request counts as an error, never hangs a run
MAX_ERRORS = 1000
# Targets, from what the people waiting need (never a reason to fail the run): an OPD's script gets its
# answer for 100,000 rows within 10 s, the Walidata's approval publishes them within 5 s, and a citizen's
# page of data arrives within a quarter second even with 20 requests in flight.
TARGET_SUBMIT_ROWS_PER_S = 10_000
TARGET_APPROVE_ROWS_PER_S = 20_000
TARGET_P95_MS = 250.0

SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "kode_kelurahan", "type": "string", "title": "Kode kelurahan (Kemendagri)",
         "constraints": {"required": True, "pattern": r"33\.74\.\d{2}\.[12]\d{3}"}},
        {"name": "rw", "type": "integer", "title": "Rukun warga",
         "constraints": {"required": True, "minimum": 1, "maximum": 99}},
        {"name": "tahun", "type": "year",
         "constraints": {"required": True, "minimum": 1990, "maximum": 2100}},
        {"name": "bulan", "type": "integer", "constraints": {"required": True, "minimum": 1, "maximum": 12}},
        {"name": "jumlah_kk", "type": "integer", "title": "Jumlah KK miskin",
         "constraints": {"required": True, "minimum": 0}},
        {"name": "persentase", "type": "number", "title": "Persentase KK miskin",
         "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "keterangan", "type": "string", "constraints": {"maxLength": 200}},
    ],
    "primaryKey": ["kode_kelurahan", "rw", "tahun", "bulan"],
    "foreignKeys": [{"fields": ["kode_kelurahan"],
                     "reference": {"resource": "wilayah_kelurahan", "fields": ["kode"]}}],
}  # fmt: skip
NOTES = ("data sementara", "verifikasi ulang, menunggu hasil musyawarah kelurahan", 'RW baru "pemekaran"')

# Bench-only SQL (product SQL lives in sql/queries): the baseline's scratch table, of dataset_rows' shape.
SCRATCH_CREATE = "CREATE TABLE bench_raw_rows (row_number integer PRIMARY KEY, data jsonb NOT NULL)"
SCRATCH_EMPTY = "TRUNCATE bench_raw_rows"
SCRATCH_DROP = "DROP TABLE bench_raw_rows"
ANALYZE = "ANALYZE dataset_rows"


@dataclass(frozen=True)
class Generated:
    csv: bytes
    rows: int
    per_year: dict[int, int]


def generate_csv(rows: int) -> Generated:
    """`rows` rows from December LATEST_YEAR backwards: each month, each kelurahan, each of its RWs."""
    rng = random.Random(SEED)  # noqa: S311  # bench data, seeded so runs compare
    codes = [r.code for r in load_regions() if r.table_name == "wilayah_kelurahan"]
    rws = {code: rng.randint(6, 24) for code in codes}
    households = {(code, rw): rng.randint(120, 600) for code in codes for rw in range(1, rws[code] + 1)}
    poverty = {code: rng.uniform(0.01, 0.15) for code in codes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # as Excel saves "CSV UTF-8"
    writer.writerow([f["name"] for f in SCHEMA["fields"]])
    per_year: Counter[int] = Counter()
    written, year = 0, LATEST_YEAR
    while written < rows:
        for month in range(12, 0, -1):
            for code in codes:
                for rw in range(1, rws[code] + 1):
                    if written == rows:
                        break
                    kk = households[(code, rw)]
                    poor = max(0, round(kk * poverty[code] * rng.uniform(0.7, 1.3)))
                    note = rng.choice(NOTES) if rng.random() < 0.05 else ""
                    writer.writerow([code, rw, year, month, poor, f"{100 * poor / kk:.2f}", note])
                    per_year[year] += 1
                    written += 1
        year -= 1
    return Generated(b"\xef\xbb\xbf" + out.getvalue().encode(), rows, dict(per_year))


def baseline_records(data: bytes) -> list[tuple[int, str]]:
    """The no-validation ceiling's work in Python: csv.reader, each row a JSON object of text, numbered."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    return [
        (i, json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False))
        for i, row in enumerate(reader, 1)
    ]


# --- the portal ---------------------------------------------------------------------------------------------


@dataclass
class Portal:
    base: str
    process: asyncio.subprocess.Process
    log_path: Path


async def start_portal(children: Children, home: Path, database: Database) -> Portal:
    port = free_port()
    env = {
        **child_env(home, database),
        "SMEDI_PORTAL_LISTEN": f"127.0.0.1:{port}",
        # a first admin with a known password: otherwise the portal prints a generated one into its log
        "SMEDI_ADMIN_PASSWORD": secrets.token_urlsafe(16),
    }
    log_path = home / "portal.log"
    process = await children.start(sys.executable, "-m", "smedi", "portal", env=env, log_path=log_path)
    await wait_for_port("the portal", port, process, log_path)
    return Portal(f"http://127.0.0.1:{port}", process, log_path)


async def prepare(pool: asyncpg.Pool, settings: Settings) -> str:
    """The producer OPD, the dataset and a token to submit it; returns the token."""
    await add_org(pool, ORG, ORG_NAME)
    spec = DatasetSpec(
        slug=SLUG, title="Keluarga miskin per RW", org=ORG, schema=SCHEMA, topic="Sosial",
        description="Jumlah kepala keluarga miskin per RW, per bulan (data bangku uji, dibuat acak).",
        metadata={"satuan": "kepala keluarga", "frekuensi": "bulanan", "tingkat_wilayah": "RW"},
        suppress_fields=("jumlah_kk",),
    )  # fmt: skip
    async with pool.acquire() as conn:
        await create_dataset(conn, spec, WALIDATA)
    issued = await issue(pool, settings, org_code=ORG, datasets=[SLUG], days=1, actor=WALIDATA)
    return issued.token


# --- 1. ingest ----------------------------------------------------------------------------------------------


@dataclass
class IngestRound:
    dry_run: float = 0.0
    submit: float = 0.0
    approve: float = 0.0
    baseline: float = 0.0


async def post_csv(
    session: aiohttp.ClientSession, url: str, token: str, data: bytes, key: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv; charset=utf-8"}
    if key:
        headers["Idempotency-Key"] = key
    async with session.post(url, data=data, headers=headers) as response:
        text = await response.text()
    try:
        return response.status, json.loads(text)
    except ValueError:
        raise BenchError(
            f"the submission API answered {response.status} with no JSON: {text[:300]}"
        ) from None


async def ingest_round(
    n: int, portal: Portal, token: str, generated: Generated, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> IngestRound:
    """Dry run, submission, approval and the baseline; the baseline first in odd rounds (machines drift)."""
    url = f"{portal.base}/api/v1/datasets/{SLUG}/submissions"
    timing = IngestRound()

    async def baseline() -> None:
        await conn.execute(SCRATCH_EMPTY)
        started = time.perf_counter()
        records = await asyncio.to_thread(baseline_records, generated.csv)
        await conn.copy_records_to_table("bench_raw_rows", records=records, columns=["row_number", "data"])
        timing.baseline = time.perf_counter() - started

    if n % 2:
        await baseline()
    async with aiohttp.ClientSession(timeout=SUBMIT_TIMEOUT) as session:
        started = time.perf_counter()
        status, answer = await post_csv(session, f"{url}?dry_run=true", token, generated.csv)
        timing.dry_run = time.perf_counter() - started
        if status != 200 or answer.get("row_count") != generated.rows:
            raise BenchError(f"the dry run answered {status}: {json.dumps(answer)[:500]}")
        started = time.perf_counter()
        status, answer = await post_csv(session, f"{url}?mode=replace", token, generated.csv, f"bench-{n}")
        timing.submit = time.perf_counter() - started
        if status != 201 or answer.get("row_count") != generated.rows:
            raise BenchError(f"the submission answered {status}: {json.dumps(answer)[:500]}")
    async with pool.acquire() as approver:
        started = time.perf_counter()
        version = await approve(approver, SLUG, int(answer["submission_id"]), WALIDATA)
        timing.approve = time.perf_counter() - started
    if version.row_count != generated.rows:
        raise BenchError(f"version {version.version} has {version.row_count} rows, not {generated.rows}")
    if not n % 2:
        await baseline()
    return timing


def ingest_lines(rows: int, rounds: list[IngestRound]) -> list[str]:
    def rate(seconds: float) -> float:
        return rows / seconds if seconds else 0.0

    def med(name: str) -> float:
        return statistics.median(getattr(r, name) for r in rounds)

    row = "{:>6}{:>14}{:>14}{:>14}{:>20}{:>14}"
    lines = [
        row.format("round", "dry run", "submit", "approve", "submit + approve", "baseline"),
        *(
            row.format(
                i,
                *(
                    f"{rate(s):,.0f}"
                    for s in (r.dry_run, r.submit, r.approve, r.submit + r.approve, r.baseline)
                ),
            )
            for i, r in enumerate(rounds, 1)
        ),
    ]
    base = med("baseline")
    medians = {name: med(name) for name in ("dry_run", "submit", "approve")}
    medians["end to end"] = statistics.median(r.submit + r.approve for r in rounds)
    lines.append(
        row.format(
            "median",
            *(f"{rate(medians[k]):,.0f}" for k in ("dry_run", "submit", "approve", "end to end")),
            f"{rate(base):,.0f}",
        )
    )
    lines.append(
        f"  (rows per second; median seconds: dry run {medians['dry_run']:.2f}, submit "
        f"{medians['submit']:.2f}, approve {medians['approve']:.2f}, baseline {base:.2f})"
    )
    for label, key in (
        ("dry run", "dry_run"),
        ("submit", "submit"),
        ("approve", "approve"),
        ("submit + approve", "end to end"),
    ):
        per_round = [
            r.baseline / (r.submit + r.approve if key == "end to end" else getattr(r, key)) for r in rounds
        ]
        spread = f"; per round {min(per_round):.2f} to {max(per_round):.2f}" if len(per_round) > 1 else ""
        lines.append(f"{label} / baseline rows/s = {base / medians[key]:.2f}{spread}")
    submit_rate, approve_rate = rate(medians["submit"]), rate(medians["approve"])
    lines.append(
        f"target: submit at least {TARGET_SUBMIT_ROWS_PER_S:,} rows/s - "
        f"{'met' if submit_rate >= TARGET_SUBMIT_ROWS_PER_S else 'NOT met'}; "
        f"approve at least {TARGET_APPROVE_ROWS_PER_S:,} rows/s - "
        f"{'met' if approve_rate >= TARGET_APPROVE_ROWS_PER_S else 'NOT met'}"
    )
    return lines


# --- 2. the public endpoint under load ----------------------------------------------------------------------


type Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class LoadCase:
    name: str
    description: str
    url: Callable[[random.Random], str]
    check: Check  # None when the answer is right, else what is wrong with it
    data: bool = True  # a case of the data endpoint, measured against the baseline


@dataclass
class LoadRun:
    round: int
    case: LoadCase
    result: Result
    portal_cpu: float | None  # the portal process's CPU seconds during the run

    @property
    def portal_share(self) -> str:
        if self.portal_cpu is None or not self.result.elapsed:
            return "-"
        return f"{100 * self.portal_cpu / self.result.elapsed:.0f}%"


def page_check(expected_total: int, row_ok: Callable[[dict[str, Any]], bool] | None = None) -> Check:
    def check(answer: dict[str, Any]) -> str | None:
        rows = answer.get("rows")
        if answer.get("total") != expected_total or not isinstance(rows, list):
            return "wrong total"
        if len(rows) != max(0, min(PAGE, expected_total - int(answer.get("offset", 0)))):
            return "wrong page length"
        if row_ok is not None and not all(row_ok(r) for r in rows):
            return "wrong rows"
        return None

    return check


def descending(field: str) -> Callable[[dict[str, Any]], str | None]:
    def check(answer: dict[str, Any]) -> str | None:
        values = [r[field] for r in answer["rows"]]
        return None if values == sorted(values, reverse=True) else "not sorted"

    return check


def both(*checks: Check) -> Check:
    def check(answer: dict[str, Any]) -> str | None:
        return next((problem for c in checks if (problem := c(answer)) is not None), None)

    return check


def load_cases(generated: Generated) -> list[LoadCase]:
    data = f"/api/v1/public/datasets/{SLUG}/data"
    total, in_year = generated.rows, generated.per_year[LATEST_YEAR]

    def offsets(count: int) -> Callable[[random.Random], int]:
        return lambda rng: PAGE * rng.randrange(max(1, -(-count // PAGE)))  # any page of the table

    any_page, year_page = offsets(total), offsets(in_year)
    return [
        LoadCase("page", f"GET {data}?limit={PAGE}&offset=<any of the {total:,} rows' pages>",
                 lambda rng: f"{data}?limit={PAGE}&offset={any_page(rng)}", page_check(total)),
        LoadCase("filter", f"GET {data}?tahun={LATEST_YEAR}&limit={PAGE}&offset=<any of its {in_year:,} "
                 "rows' pages> (the count of matches too)",
                 lambda rng: f"{data}?tahun={LATEST_YEAR}&limit={PAGE}&offset={year_page(rng)}",
                 page_check(in_year, lambda r: r["tahun"] == LATEST_YEAR)),
        LoadCase("sort", f"GET {data}?sort=-persentase&limit={PAGE}&offset=<any page> (all rows sorted)",
                 lambda rng: f"{data}?sort=-persentase&limit={PAGE}&offset={any_page(rng)}",
                 both(page_check(total), descending("persentase"))),
        LoadCase("catalog", "GET /api/v1/public/datasets (the baseline: same portal, middlewares, pool and "
                 "JSON, one small catalog query, no row work)",
                 lambda _rng: "/api/v1/public/datasets",
                 lambda answer: None if answer.get("total") == 1 else "wrong catalog", data=False),
    ]  # fmt: skip


async def run_load(base: str, case: LoadCase, seconds: float, rng: random.Random) -> Result:
    """GET the case's URLs at CONCURRENCY for `seconds`; non-200s and wrong answers are errors."""
    result = Result()
    start = time.perf_counter()
    deadline = start + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            if result.error_count >= MAX_ERRORS:
                result.cut_short = f"{MAX_ERRORS} errors"
                return
            url = base + case.url(rng)
            sent = time.perf_counter()
            try:
                async with session.get(url) as response:
                    body = await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                continue
            elapsed = time.perf_counter() - sent
            result.answered += 1
            if response.status != 200:
                result.errors[f"HTTP {response.status}"] += 1
                continue
            try:
                problem = case.check(json.loads(body))
            except (ValueError, KeyError, TypeError):
                problem = "not the expected JSON"
            if problem:
                result.errors[problem] += 1
            else:
                result.ok += 1
                result.latencies.append(elapsed)

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, timeout=LOAD_TIMEOUT) as session:
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
    result.elapsed = time.perf_counter() - start
    return result


async def load_rounds(portal: Portal, cases: list[LoadCase], seconds: float) -> list[LoadRun]:
    rng = random.Random(SEED)  # noqa: S311  # offsets, seeded so runs compare
    for case in cases:  # connections, the dataset cache, the pages the first requests touch
        warm = await run_load(portal.base, case, min(1.0, seconds), rng)
        if warm.error_count:
            found = ", ".join(f"{n} {what}" for what, n in warm.errors.most_common(3))
            raise BenchError(f"warming up {case.name}: {found}:\n{tail(portal.log_path)}")
    runs = []
    for n in range(1, LOAD_ROUNDS + 1):
        shift = (n - 1) % len(cases)  # each case in another place of the order each round
        for case in cases[shift:] + cases[:shift]:
            cpu_before = process_cpu_seconds(portal.process.pid)
            result = await run_load(portal.base, case, seconds, rng)
            cpu_after = process_cpu_seconds(portal.process.pid)
            cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            runs.append(LoadRun(n, case, result, cpu))
    return runs


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"  # a slow case's ratio still shows its size


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def load_lines(cases: list[LoadCase], runs: list[LoadRun], seconds: float) -> list[str]:
    row = "{:>6}  {:<8}{:>8}{:>9}{:>9}{:>9}{:>8}  {}"
    lines = [row.format("round", "case", "req/s", "p50 ms", "p95 ms", "p99 ms", "portal", "errors")]
    for run in runs:
        r = run.result
        errors = ", ".join(f"{n} {kind}" for kind, n in r.errors.most_common()) or "0"
        if r.error_count:
            errors = f"!! {errors}"
        if r.cut_short:
            errors += f" (cut short: {r.cut_short})"
        lines.append(
            row.format(
                run.round,
                run.case.name,
                f"{r.rps:.0f}",
                ms(r.latency_ms(50)),
                ms(r.latency_ms(95)),
                ms(r.latency_ms(99)),
                run.portal_share,
                errors,
            )
        )

    def median_of(case: LoadCase, measure: Callable[[Result], float | None]) -> float | None:
        values = [v for run in runs if run.case is case and (v := measure(run.result)) is not None]
        return statistics.median(values) if values else None

    medians = {
        case.name: [
            median_of(case, m)
            for m in (
                lambda r: r.rps,
                lambda r: r.latency_ms(50),
                lambda r: r.latency_ms(95),
                lambda r: r.latency_ms(99),
            )
        ]
        for case in cases
    }
    for case in cases:
        rps, p50, p95, p99 = medians[case.name]
        lines.append(row.format("median", case.name, f"{rps or 0:.0f}", ms(p50), ms(p95), ms(p99), "", ""))
    baseline = next(case for case in cases if not case.data)
    base_rps = medians[baseline.name][0]
    met_all = True
    for case in (c for c in cases if c.data):
        rps, _p50, p95, _p99 = medians[case.name]
        per_round = [
            x.result.rps / y.result.rps
            for x in runs
            for y in runs
            if x.case is case and y.case is baseline and x.round == y.round and y.result.rps
        ]
        spread = (
            f"; per round {ratio_text(min(per_round))} to {ratio_text(max(per_round))}"
            if len(per_round) > 1
            else ""
        )
        ratio = ratio_text((rps or 0) / base_rps) if base_rps else "-"
        met = p95 is not None and p95 <= TARGET_P95_MS
        met_all &= met
        lines.append(f"{case.name} / {baseline.name} req/s = {ratio}{spread}; p95 {ms(p95)} ms")
    lines.append(
        f"target: p95 of every data case at most {TARGET_P95_MS:g} ms at concurrency {CONCURRENCY} - "
        f"{'met' if met_all else 'NOT met'}"
    )
    return lines


# --- the section --------------------------------------------------------------------------------------------


async def measure(database: Database, home: Path, rows: int, seconds: float) -> tuple[list[str], bool]:
    settings = dataclasses.replace(Settings(), database_url=database.url, home=home)
    log(f"samawa: generating {rows:,} rows of CSV")
    generated = await asyncio.to_thread(generate_csv, rows)
    conn = await connect(database.url)
    children = Children()
    try:
        await migrate(conn)  # with the reference codes the foreign key checks against
        await conn.execute(SCRATCH_CREATE)
        pool = await asyncpg.create_pool(database.url, min_size=1, max_size=2)
        try:
            token = await prepare(pool, settings)
            portal = await start_portal(children, home, database)
            log(f"samawa: portal at {portal.base}; {INGEST_ROUNDS} ingest round(s) of {rows:,} rows")
            ingest = [
                await ingest_round(n, portal, token, generated, pool, conn)
                for n in range(1, INGEST_ROUNDS + 1)
            ]
            await conn.execute(ANALYZE)  # as autovacuum would have by the time citizens come
            cases = load_cases(generated)
            log(f"samawa: load, {len(cases)} cases x {LOAD_ROUNDS} rounds x {seconds:g} s")
            runs = await load_rounds(portal, cases, seconds)
        finally:
            await children.stop_all()
            await pool.close()
        await conn.execute(SCRATCH_DROP)
    finally:
        children.kill_leftovers()
        await conn.close()

    size_mb = len(generated.csv) / 1_000_000
    lines = [
        f"SAMAWA: a {rows:,}-row submission validated, stored and published, and the public data endpoint "
        "under load, on a real portal (`smedi portal`, its own process)",
        f"{database.description}; dataset {SLUG!r}: {len(SCHEMA['fields'])} fields (kode_kelurahan a "
        "foreign key to wilayah_kelurahan, pattern, minimum/maximum, a 4-field primary key), jumlah_kk "
        "small-cell suppressed",
        f"CSV: {size_mb:.1f} MB, UTF-8 with BOM, CRLF, some quoted commas; years {min(generated.per_year)}-"
        f"{max(generated.per_year)}",
        "",
        f"1. ingest of {rows:,} rows, {INGEST_ROUNDS} interleaved round(s), rows per second:",
        "  dry run   POST .../submissions?dry_run=true as text/csv: parse and validate (all errors), "
        "store nothing",
        "  submit    POST .../submissions?mode=replace with an Idempotency-Key: parse, validate, store the "
        "typed rows (jsonb) with a signed receipt",
        "  approve   submission_store.approve: the version's rows, canonical CSV and SHA-256, COPY into "
        "dataset_rows",
        "  baseline  the no-validation ceiling: csv.reader, each row dumped as a JSON object of text, COPY "
        "into a scratch table of dataset_rows' shape",
        *ingest_lines(rows, ingest),
        "",
        f"2. the public data endpoint under load: concurrency {CONCURRENCY}, {seconds:g} s per run, "
        f"{LOAD_ROUNDS} rounds, the order rotated each round; pages of {PAGE} rows of the current version "
        f"({rows:,} rows; dataset_rows holds the {INGEST_ROUNDS} versions the ingest published, "
        f"{INGEST_ROUNDS * rows:,} rows); portal = the portal process's CPU share",
        *(f"  {case.name:<8}{case.description}" for case in cases),
        *load_lines(cases, runs, seconds),
    ]
    problems = log_problems(portal.log_path)
    if problems:
        listed = "; ".join(f"{event} x{n}" for event, n in problems.most_common(8))
        lines.append(f"portal log: {sum(problems.values())} warning/error line(s): {listed}")
    failed = sum(run.result.error_count for run in runs)
    if failed:
        lines.append(f"!! {failed} REQUEST(S) FAILED in the measured runs: the req/s do not compare")
    return lines, not failed


async def run_samawa_bench(rows: int, seconds: float) -> tuple[list[str], bool]:
    cancel_on_sigterm()
    home = Path(tempfile.mkdtemp(prefix="smedi-bench-samawa-"))
    try:
        async with bench_database(home) as database:
            return await measure(database, home, rows, seconds)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_samawa_section(rows: int, seconds: float) -> tuple[list[str], bool]:
    """For `python -m bench`: the section's lines and whether every measured request was answered right."""
    try:
        return asyncio.run(run_samawa_bench(rows, seconds))
    except BenchError as exc:
        return [f"!! samawa benchmark FAILED: {exc}"], False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.samawa",
        description="SAMAWA: a large CSV submission through the real submission API and its approval, in "
        "rows per second against csv.reader + COPY, and the public data endpoint under load against the "
        "catalog endpoint, in the same run. DATABASE_URL: a fresh database on that server, dropped "
        "afterwards; otherwise an embedded PostgreSQL in a temporary directory.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the submission (default: 100,000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run (default: 5)")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 1_000_000 or not 0.5 <= args.seconds <= 60:
        parser.error("--rows: 1 to 1,000,000; --seconds: 0.5 to 60")
    configure_logging(json=False, level=logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    lines, ok = run_samawa_section(args.rows, args.seconds)
    print("\n".join(line.rstrip() for line in lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
