"""Bahasa Indonesia first, English as a choice: one catalogue, the language from a cookie."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

LANGUAGES = ("id", "en")
LANG_COOKIE = "lang"

CATALOGUE: dict[str, dict[str, str]] = {
    "app_name": {
        "id": "S'MEDI — Portal Internet Pemerintah Kota Semarang",
        "en": "S'MEDI — Semarang City Internet Portal",
    },
    "sign_in": {"id": "Masuk", "en": "Sign in"},
    "sign_out": {"id": "Keluar", "en": "Sign out"},
    "username": {"id": "Nama pengguna", "en": "Username"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_failed": {"id": "Nama pengguna atau kata sandi salah.", "en": "Wrong username or password."},
    "login_throttled": {
        "id": "Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.",
        "en": "Too many failed attempts. Try again in 15 minutes.",
    },
    "usage_today": {"id": "Penggunaan hari ini", "en": "Today's usage"},
    "usage_on": {"id": "Penggunaan tanggal", "en": "Usage on"},
    "per_hour": {"id": "Per jam", "en": "Per hour"},
    "per_org": {"id": "Per OPD", "en": "Per agency (OPD)"},
    "per_employee": {"id": "Per pegawai", "en": "Per employee"},
    "org": {"id": "OPD", "en": "Agency"},
    "employee": {"id": "Pegawai", "en": "Employee"},
    "employees": {"id": "Pegawai aktif", "en": "Active employees"},
    "requests": {"id": "Permintaan", "en": "Requests"},
    "blocked": {"id": "Diblokir", "en": "Blocked"},
    "bytes_up": {"id": "Unggah", "en": "Upload"},
    "bytes_down": {"id": "Unduh", "en": "Download"},
    "share": {"id": "Porsi", "en": "Share"},
    "no_usage": {
        "id": "Belum ada penggunaan tercatat pada hari ini.",
        "en": "No usage recorded on this day.",
    },
    "show": {"id": "Tampilkan", "en": "Show"},
    "date": {"id": "Tanggal", "en": "Date"},
    "ca_certificate": {"id": "Sertifikat CA", "en": "CA certificate"},
    "time_zone": {"id": "Zona waktu", "en": "Time zone"},
    "no_org": {"id": "(tanpa OPD)", "en": "(no agency)"},
    "error_400": {"id": "Permintaan tidak dapat diproses", "en": "The request cannot be processed"},
    "error_403": {"id": "Anda tidak berhak membuka halaman ini", "en": "You may not open this page"},
    "error_404": {"id": "Halaman tidak ditemukan", "en": "Page not found"},
    "error_405": {"id": "Cara akses ini tidak didukung", "en": "This method is not supported here"},
    "error_other": {"id": "Terjadi kesalahan", "en": "Something went wrong"},
    "back_home": {"id": "Kembali ke halaman utama", "en": "Back to the home page"},
    "language": {"id": "Bahasa", "en": "Language"},
}


ERROR_KEYS = frozenset(k for k in CATALOGUE if k.startswith("error_"))


def language(request: web.Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGUAGES else "id"


def translator(lang: str) -> Callable[[str], str]:
    def translate(key: str) -> str:
        entry = CATALOGUE[key]  # a missing key is a bug: fail in tests, not silently
        return entry.get(lang) or entry["id"]

    return translate


def human_bytes(n: int | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
