"""Named SQL blocks from sql/queries/*.sql, loaded once per process."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class Queries:
    """The blocks of one .sql file, by name: `queries.usage_today`."""

    def __init__(self, blocks: dict[str, str]) -> None:
        self._blocks = blocks

    def __getattr__(self, name: str) -> str:
        try:
            return self._blocks[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r}") from None

    def names(self) -> list[str]:
        return sorted(self._blocks)


def parse_queries(text: str) -> dict[str, str]:
    """Split a file into `-- name: x` blocks; the comment lines under the name document the block."""
    parts = _NAME.split(text)
    blocks = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in blocks:
            raise ValueError(f"query {name!r} is defined twice")
        blocks[name] = body.strip().rstrip(";")
    return blocks


@cache
def load_queries(area: str) -> Queries:
    return Queries(parse_queries((SQL_DIR / "queries" / f"{area}.sql").read_text(encoding="utf-8")))
