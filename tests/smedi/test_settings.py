"""Settings: defaults, the environment over the TOML file, and a clear message for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from smedi.settings import Listen, SettingsError, load_settings


def test_defaults_follow_the_design() -> None:
    s = load_settings({})
    assert s.home == Path("var") and s.database_url is None
    assert s.proxy_listen == Listen("127.0.0.1", 8080) and s.transparent_listen is None
    assert s.portal_listen == Listen("127.0.0.1", 8000) and s.portal_url == "http://127.0.0.1:8000"
    assert s.tz.key == "Asia/Jakarta" and s.upstream_ca == ()


def test_portal_url_derives_from_the_listen_address() -> None:
    assert load_settings({"SMEDI_PORTAL_LISTEN": "0.0.0.0:9000"}).portal_url == "http://127.0.0.1:9000"
    assert load_settings({"SMEDI_PORTAL_LISTEN": "[::1]:9000"}).portal_url == "http://[::1]:9000"
    assert load_settings({"SMEDI_PORTAL_URL": "https://smedi.semarangkota.go.id/"}).portal_url == (
        "https://smedi.semarangkota.go.id"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SMEDI_PROXY_LISTEN", "abc", "SMEDI_PROXY_LISTEN: expected HOST:PORT, got 'abc'"),
        ("SMEDI_PROXY_LISTEN", "127.0.0.1:99999", "SMEDI_PROXY_LISTEN: expected HOST:PORT"),
        ("SMEDI_PORTAL_LISTEN", "example.com:80", "SMEDI_PORTAL_LISTEN: expected an IP address"),
        ("SMEDI_TRANSPARENT_LISTEN", "8081", "SMEDI_TRANSPARENT_LISTEN: expected HOST:PORT"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: expected postgresql://"),
        ("SMEDI_TZ", "Mars/Olympus", "SMEDI_TZ: expected an IANA time zone"),
        ("SMEDI_PORTAL_URL", "smedi.local", "SMEDI_PORTAL_URL: expected http(s)://"),
        ("SMEDI_UPSTREAM_CA", "/nonexistent/ca.pem", "SMEDI_UPSTREAM_CA: expected PEM files"),
        ("SMEDI_LEASE_IDLE", "soon", "SMEDI_LEASE_IDLE: expected a duration such as 45s, 30m"),
        ("SMEDI_LEASE_MAX", "0h", "SMEDI_LEASE_MAX: expected a duration"),
        ("SMEDI_LEASE_MAX", "10", "SMEDI_LEASE_MAX: expected a duration"),
        ("SMEDI_RETENTION_DAYS", "-3", "SMEDI_RETENTION_DAYS: expected a number of days"),
        (
            "SMEDI_ROLLUP_RETENTION_DAYS",
            "two years",
            "SMEDI_ROLLUP_RETENTION_DAYS: expected a number of days",
        ),
        ("SMEDI_SPOOL_MAX", "lots", "SMEDI_SPOOL_MAX: expected a size such as 500M"),
        ("SMEDI_SPOOL_MAX", "0", "SMEDI_SPOOL_MAX: expected a size"),
        ("SMEDI_METRICS_LISTEN", "9180", "SMEDI_METRICS_LISTEN: expected HOST:PORT"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_expected_form(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({name: value})
    assert str(err.value).startswith(message)


def test_the_database_password_never_appears_in_an_error() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"DATABASE_URL": "mysql://u:hunter2@db/x"})
    assert "hunter2" not in str(err.value)


def test_toml_file_with_the_environment_winning(tmp_path: Path) -> None:
    config = tmp_path / "smedi.toml"
    config.write_text('proxy_listen = "0.0.0.0:3128"\nSMEDI_TZ = "Asia/Makassar"\nhome = "/srv/smedi"\n')
    s = load_settings({"SMEDI_CONFIG": str(config), "SMEDI_TZ": "Asia/Jayapura"})
    assert s.proxy_listen == Listen("0.0.0.0", 3128)
    assert s.tz.key == "Asia/Jayapura" and s.home == Path("/srv/smedi")


@pytest.mark.parametrize(
    ("content", "message"),
    [("proxy_listen = ", "is not valid TOML"), ('colour = "blue"', "unknown setting 'colour'")],
)
def test_a_bad_toml_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "smedi.toml"
    config.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_settings({"SMEDI_CONFIG": str(config)})


def test_admin_password_is_not_in_the_settings_repr() -> None:
    assert "s3cret" not in repr(load_settings({"SMEDI_ADMIN_PASSWORD": "s3cret-pass"}))


def test_lease_durations() -> None:
    s = load_settings({"SMEDI_LEASE_IDLE": "45s", "SMEDI_LEASE_MAX": " 2D "})
    assert (s.lease_idle.total_seconds(), s.lease_max.total_seconds()) == (45, 2 * 86400)
    assert load_settings({}).lease_idle.total_seconds() == 1800


def test_accounting_settings() -> None:
    s = load_settings(
        {"SMEDI_RETENTION_DAYS": "30", "SMEDI_SPOOL_MAX": "500M", "SMEDI_METRICS_LISTEN": "127.0.0.1:9180"}
    )
    assert (s.retention_days, s.spool_max_bytes, str(s.metrics_listen)) == (
        30,
        500 * 1024**2,
        "127.0.0.1:9180",
    )
    defaults = load_settings({})
    assert (defaults.retention_days, defaults.rollup_retention_days, defaults.spool_max_bytes) == (
        90,
        730,
        1024**3,
    )
    assert defaults.metrics_listen is None and defaults.spool_dir == defaults.home / "spool"
