"""Batches of usage records kept on disk while PostgreSQL is away: one fsynced file per batch, in order."""

from __future__ import annotations

import ipaddress
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from accounting.records import UsageRecord

SUFFIX = ".batch"


class SpoolFull(Exception):
    """Writing the batch would pass the spool's size cap."""


@dataclass(frozen=True)
class Batch:
    id: uuid.UUID
    records: list[UsageRecord]


def encode(batch: Batch) -> bytes:
    lines = [json.dumps({"batch": str(batch.id), "records": len(batch.records)})]
    for r in batch.records:
        row: list[object] = list(r)
        row[0], row[3] = r.ts.isoformat(), None if r.client_ip is None else str(r.client_ip)
        row[-1] = None if r.flow_id is None else str(r.flow_id)
        lines.append(json.dumps(row, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


def decode(data: bytes) -> Batch:
    """The batch a spool file holds; ValueError if the file is cut short or is not ours."""
    header, *rows = data.decode().splitlines()
    meta = json.loads(header)
    records = []
    for line in rows:
        values = json.loads(line)
        values[0] = datetime.fromisoformat(values[0])
        values[3] = None if values[3] is None else ipaddress.ip_address(values[3])
        values[-1] = None if values[-1] is None else uuid.UUID(values[-1])
        records.append(UsageRecord(*values))
    if len(records) != meta["records"]:
        raise ValueError(f"expected {meta['records']} records, found {len(records)}")
    return Batch(uuid.UUID(meta["batch"]), records)


class Spool:
    """Files named by a sequence number so replay keeps the order batches were written in."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def files(self) -> list[Path]:
        try:
            return sorted(self.directory.glob(f"*{SUFFIX}"))
        except OSError:
            return []

    def size(self) -> int:
        total = 0
        for path in self.files():
            try:
                total += path.stat().st_size
            except OSError:
                continue
        return total

    def append(self, batch: Batch) -> Path:
        """Write the batch durably (file and directory fsynced); OSError or SpoolFull when it cannot."""
        data = encode(batch)
        files = self.files()
        if self.size() + len(data) > self.max_bytes:
            raise SpoolFull(f"spool at {self.directory} would pass its cap of {self.max_bytes} bytes")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        seq = int(files[-1].name.split("-", 1)[0]) + 1 if files else 1
        path = self.directory / f"{seq:012d}-{batch.id}{SUFFIX}"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.replace(tmp, path)
        self._sync_directory()
        return path

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
