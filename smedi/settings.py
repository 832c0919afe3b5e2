"""Settings from the environment and an optional TOML file (SMEDI_CONFIG); the environment wins."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from accounting.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours, parse_office_hours


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable and the expected form."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")
    database_url: str | None = None
    proxy_listen: Listen = Listen("127.0.0.1", 8080)
    transparent_listen: Listen | None = None
    portal_listen: Listen = Listen("127.0.0.1", 8000)
    portal_url: str = "http://127.0.0.1:8000"
    admin_password: str | None = field(default=None, repr=False)  # never printed with the settings
    tz: ZoneInfo = ZoneInfo("Asia/Jakarta")  # noqa: RUF009  ZoneInfo instances are cached and immutable
    upstream_ca: tuple[Path, ...] = ()
    lease_idle: timedelta = timedelta(minutes=30)  # a captive-portal lease ends after this without traffic
    lease_max: timedelta = timedelta(hours=10)  # and at the latest this long after sign-in
    gateway_interface: str = ""  # the employees' interface, for `smedi gateway rules`
    retention_days: int = 90  # raw usage_events, dropped a day's partition at a time
    rollup_retention_days: int = 730  # hourly and daily rollups: two years of reports
    spool_max_bytes: int = 1024**3  # usage batches kept on disk while PostgreSQL is away
    metrics_listen: Listen | None = None  # the proxy's Prometheus metrics (/metrics); off by default
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS  # reports' office against after hours (local time)
    alert_webhook_url: str = ""  # new anomaly alerts are POSTed here as signed JSON; empty: no webhook
    alert_webhook_secret: str = field(default="", repr=False)  # the HMAC key; never printed or logged

    @property
    def certs_dir(self) -> Path:
        return self.home / "certs"

    @property
    def pgdata_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"


def parse_listen(name: str, value: str) -> Listen:
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{name}: expected HOST:PORT, got {value!r}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise SettingsError(
                f"{name}: expected an IP address or localhost as HOST, got {value!r}"
            ) from None
    return Listen(host, int(port))


def _optional_listen(name: str, value: str) -> Listen | None:
    return None if value.strip().lower() in ("", "off", "no", "false", "0") else parse_listen(name, value)


def _database_url(name: str, value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{name}: expected postgresql://USER@HOST:PORT/DB, got a value of another form")
    return value


def _portal_url(name: str, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name}: expected http(s)://HOST[:PORT], got {value!r}")
    return value.rstrip("/")


def _office_hours(name: str, value: str) -> OfficeHours:
    try:
        return parse_office_hours(value)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _timezone(name: str, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name}: expected an IANA time zone such as Asia/Jakarta, got {value!r}"
        ) from None


DURATION = re.compile(r"(\d+)\s*([smhd])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(name: str, value: str) -> timedelta:
    """`90s`, `30m`, `10h`, `1d`: a positive duration."""
    match = DURATION.fullmatch(value.strip().lower())
    if match is None or int(match[1]) == 0:
        raise SettingsError(f"{name}: expected a duration such as 45s, 30m, 10h or 1d, got {value!r}")
    return timedelta(seconds=int(match[1]) * UNIT_SECONDS[match[2]])


def _days(name: str, value: str) -> int:
    if not value.strip().isdigit() or not 0 < int(value) <= 100_000:
        raise SettingsError(f"{name}: expected a number of days such as 90, got {value!r}")
    return int(value)


# A point, never a comma, for decimals: "1,5G" is 1.5 GB in Indonesian but 15 GB or junk in English.
SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:([kmgt])(?:i?b)?|b)?")
SIZE_UNITS = {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(name: str, value: str) -> int:
    """`500M`, `1.5GB`, `2G`, `1048576`: a positive number of bytes (K, M, G, T are powers of 1024; a
    fraction of a byte is dropped)."""
    match = SIZE.fullmatch(value.strip().lower())
    size = int(Decimal(match[1]) * SIZE_UNITS[match[2]]) if match else 0
    if size <= 0:
        raise SettingsError(f"{name}: expected a size such as 500M, 1.5G or 2G, got {value!r}")
    return size


def _ca_files(name: str, value: str) -> tuple[Path, ...]:
    paths = tuple(Path(p) for p in value.replace(",", os.pathsep).split(os.pathsep) if p.strip())
    for path in paths:
        if not path.is_file():
            raise SettingsError(
                f"{name}: expected PEM files separated by '{os.pathsep}', {str(path)!r} is not a file"
            )
    return paths


_PARSERS: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "SMEDI_HOME": ("home", lambda _n, v: Path(v)),
    "DATABASE_URL": ("database_url", _database_url),
    "SMEDI_PROXY_LISTEN": ("proxy_listen", parse_listen),
    "SMEDI_TRANSPARENT_LISTEN": ("transparent_listen", _optional_listen),
    "SMEDI_PORTAL_LISTEN": ("portal_listen", parse_listen),
    "SMEDI_PORTAL_URL": ("portal_url", _portal_url),
    "SMEDI_ADMIN_PASSWORD": ("admin_password", lambda _n, v: v),
    "SMEDI_TZ": ("tz", _timezone),
    "SMEDI_UPSTREAM_CA": ("upstream_ca", _ca_files),
    "SMEDI_LEASE_IDLE": ("lease_idle", _duration),
    "SMEDI_LEASE_MAX": ("lease_max", _duration),
    "SMEDI_GATEWAY_INTERFACE": ("gateway_interface", lambda _n, v: v.strip()),
    "SMEDI_RETENTION_DAYS": ("retention_days", _days),
    "SMEDI_ROLLUP_RETENTION_DAYS": ("rollup_retention_days", _days),
    "SMEDI_SPOOL_MAX": ("spool_max_bytes", parse_size),
    "SMEDI_METRICS_LISTEN": ("metrics_listen", _optional_listen),
    "SMEDI_OFFICE_HOURS": ("office_hours", _office_hours),
    "SMEDI_ALERT_WEBHOOK_URL": ("alert_webhook_url", _portal_url),
    "SMEDI_ALERT_WEBHOOK_SECRET": ("alert_webhook_secret", lambda _n, v: v),
}


def _read_toml(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"SMEDI_CONFIG: cannot read {str(path)!r}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"SMEDI_CONFIG: {str(path)!r} is not valid TOML: {exc}") from None
    known = {key.lower(): key for key in _PARSERS}
    values = {}
    for key, value in data.items():
        env_name = known.get(key.lower()) or known.get(f"smedi_{key}".lower())
        if env_name is None:
            raise SettingsError(f"SMEDI_CONFIG: unknown setting {key!r} in {str(path)!r}")
        values[env_name] = str(value)
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings; raise SettingsError naming the first bad variable."""
    env = dict(os.environ if environ is None else environ)
    raw = _read_toml(Path(env["SMEDI_CONFIG"])) if env.get("SMEDI_CONFIG") else {}
    raw.update({k: v for k, v in env.items() if k in _PARSERS and v != ""})
    values = {attr: parse(name, raw[name]) for name, (attr, parse) in _PARSERS.items() if name in raw}
    if "portal_url" not in values:
        listen = values.get("portal_listen", Settings.portal_listen)
        assert isinstance(listen, Listen)
        wildcard = listen.host in ("0.0.0.0", "::")  # noqa: S104  a comparison, not a bind
        host = "127.0.0.1" if wildcard else str(listen).rpartition(":")[0]
        values["portal_url"] = f"http://{host}:{listen.port}"
    if values.get("alert_webhook_url") and not values.get("alert_webhook_secret"):
        raise SettingsError(
            "SMEDI_ALERT_WEBHOOK_SECRET: required with SMEDI_ALERT_WEBHOOK_URL (alerts are signed with it)"
        )
    return Settings(**values)  # type: ignore[arg-type]
