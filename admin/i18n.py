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
    # policy pages
    "error_413": {"id": "Berkas atau formulir terlalu besar", "en": "The file or form is too large"},
    "policy_lists": {"id": "Daftar kategori", "en": "Category lists"},
    "policy_rules": {"id": "Aturan kebijakan", "en": "Policy rules"},
    "policy_schedules": {"id": "Jadwal & hari libur", "en": "Schedules & holidays"},
    "nothing_saved": {"id": "Tidak ada yang disimpan.", "en": "Nothing was saved."},
    "action": {"id": "Tindakan", "en": "Action"},
    "action_allow": {"id": "Izinkan", "en": "Allow"},
    "action_block": {"id": "Blokir", "en": "Block"},
    "action_passthrough": {"id": "Teruskan tanpa dekripsi", "en": "Pass through without decryption"},
    "action_warn": {"id": "Peringatkan", "en": "Warn"},
    "search_domain": {"id": "Cari domain", "en": "Find a domain"},
    "search": {"id": "Cari", "en": "Search"},
    "search_result": {"id": "Daftar yang memuat", "en": "Lists holding"},
    "in_no_list": {
        "id": "Tidak ada daftar aktif yang memuat domain ini.",
        "en": "No active list holds this domain.",
    },
    "listed_domain": {"id": "Domain dalam daftar", "en": "Domain in the list"},
    "category": {"id": "Kategori", "en": "Category"},
    "categories": {"id": "Kategori", "en": "Categories"},
    "lists_help": {
        "id": "Unggahan baru menggantikan daftar aktif kategori itu sekaligus; daftar sebelumnya "
        "disimpan agar bisa dikembalikan. Format: satu domain per baris (TRUST+ Positif), file "
        "hosts, atau aturan Adblock.",
        "en": "An upload replaces the category's active list in one step; the previous list is kept so "
        "you can return to it. Formats: one domain per line (TRUST+ Positif), hosts files, or "
        "Adblock rules.",
    },
    "default_action": {"id": "Tindakan bawaan", "en": "Default action"},
    "default_action_help": {
        "id": "Tindakan bawaan berlaku bagi situs dalam kategori itu bila tidak ada aturan yang menentukan; "
        "proxy menerapkan perubahan dalam beberapa detik.",
        "en": "The default action applies to the category's sites when no rule decides; proxies apply a "
        "change within seconds.",
    },
    "save": {"id": "Simpan", "en": "Save"},
    "domains": {"id": "Domain", "en": "Domains"},
    "active_list": {"id": "Daftar aktif", "en": "Active list"},
    "invalid": {"id": "Tidak valid", "en": "Invalid"},
    "change_list": {"id": "Ganti daftar", "en": "Change the list"},
    "no_list": {"id": "Belum ada daftar", "en": "No list yet"},
    "list_file": {"id": "Berkas daftar", "en": "List file"},
    "format": {"id": "Format", "en": "Format"},
    "format_auto": {"id": "Kenali otomatis", "en": "Detect automatically"},
    "format_domains": {"id": "Satu domain per baris", "en": "One domain per line"},
    "format_hosts": {"id": "File hosts", "en": "Hosts file"},
    "format_adblock": {"id": "Aturan Adblock", "en": "Adblock rules"},
    "upload": {"id": "Unggah", "en": "Upload"},
    "roll_back": {"id": "Kembalikan daftar sebelumnya", "en": "Return to the previous list"},
    "list_imported": {"id": "Daftar baru aktif", "en": "New list active"},
    "list_version": {"id": "versi", "en": "version"},
    "lines": {"id": "Baris dibaca", "en": "Lines read"},
    "urls": {"id": "URL", "en": "URLs"},
    "duplicates": {"id": "Duplikat", "en": "Duplicates"},
    "unsupported": {"id": "Tidak didukung", "en": "Unsupported"},
    "ignored": {"id": "Diabaikan (baris kosong, komentar)", "en": "Ignored (blank lines, comments)"},
    "invalid_examples": {"id": "Contoh baris yang tidak valid", "en": "Examples of invalid lines"},
    "line": {"id": "Baris", "en": "Line"},
    "text": {"id": "Isi", "en": "Text"},
    "invalid_reason": {"id": "Alasan", "en": "Reason"},
    "list_kept": {
        "id": "Tidak ada yang diubah: kategori tetap memakai daftar aktifnya.",
        "en": "Nothing changed: the category keeps its active list.",
    },
    "how_decided": {"id": "Cara sebuah permintaan diputuskan", "en": "How a request is decided"},
    # The English is the precedence sentence of proxy_addons/rules.py's docstring; a test keeps them equal.
    "rules_precedence": {
        "id": "Aturan pertama (menurut urutan) yang aktif dan belum kedaluwarsa, yang cakupannya "
        "meliputi pegawai tersebut, yang jadwalnya sedang berlaku, dan yang kecocokannya sesuai, "
        "yang menentukan; jika tidak ada, domain yang diblokir kota akan diblokir, lalu kategori "
        "situs menerapkan tindakan bawaannya (blokir, lalu teruskan tanpa dekripsi, lalu "
        "peringatkan, lalu izinkan, bila situs ada di beberapa kategori); selain itu diizinkan.",
        "en": "The first enabled, unexpired rule (by position) whose scope includes the employee, whose "
        "schedule is on now and whose match fits decides; when none does, the city's blocked "
        "domains block, then the site's categories apply their default action (block, then "
        "pass-through, then warn, then allow when a site is in several); anything else is "
        "allowed.",
    },
    "rules_in_order": {"id": "Aturan, menurut urutan", "en": "Rules, in order"},
    "no_rules": {
        "id": "Belum ada aturan: domain yang diblokir dan kategori yang menentukan.",
        "en": "No rules yet: blocked domains and categories decide.",
    },
    "position": {"id": "Urutan", "en": "Position"},
    "applies_to": {"id": "Berlaku untuk", "en": "Applies to"},
    "match": {"id": "Cocok dengan", "en": "Matches"},
    "match_category": {"id": "Kategori", "en": "Category"},
    "match_domain": {"id": "Domain", "en": "Domain"},
    "match_url_prefix": {"id": "Awalan URL", "en": "URL prefix"},
    "match_url_regex": {"id": "Ekspresi reguler URL", "en": "URL regular expression"},
    "match_value": {
        "id": "Kategori, domain, awalan URL atau ekspresi",
        "en": "Category, domain, URL prefix or expression",
    },
    "scope_everyone": {"id": "Semua pegawai", "en": "Everyone"},
    "scope_org": {"id": "OPD", "en": "Agency (OPD)"},
    "scope_role": {"id": "Peran", "en": "Role"},
    "scope_employee": {"id": "Pegawai", "en": "Employee"},
    "scope_value": {"id": "Kode OPD, peran atau nama pengguna", "en": "OPD code, role or username"},
    "schedule": {"id": "Jadwal", "en": "Schedule"},
    "always": {"id": "Selalu", "en": "Always"},
    "rule_note": {"id": "Catatan", "en": "Note"},
    "expires": {"id": "berakhir", "en": "expires"},
    "rule_status": {"id": "Status", "en": "Status"},
    "enabled": {"id": "Aktif", "en": "Enabled"},
    "disabled": {"id": "Nonaktif", "en": "Disabled"},
    "enable": {"id": "Aktifkan", "en": "Enable"},
    "disable": {"id": "Nonaktifkan", "en": "Disable"},
    "delete": {"id": "Hapus", "en": "Delete"},
    "move_up": {"id": "Naikkan satu urutan", "en": "Move up one place"},
    "move_down": {"id": "Turunkan satu urutan", "en": "Move down one place"},
    # Flags from proxy_addons.rules.lint_rules: a short name, then why (and the rule above that causes it).
    "rule_check": {"id": "Pemeriksaan", "en": "Check"},
    "lint_expired": {"id": "Kedaluwarsa", "en": "Expired"},
    "lint_expired_help": {
        "id": "Waktu berakhirnya sudah lewat: aturan ini tidak lagi berlaku dan boleh dihapus.",
        "en": "Its expiry time has passed: this rule no longer applies and may be deleted.",
    },
    "lint_empty_category": {"id": "Kategori kosong", "en": "Empty category"},
    "lint_empty_category_help": {
        "id": "Kategori ini belum punya daftar aktif berisi domain, jadi aturan ini tidak cocok dengan "
        "apa pun. Unggah daftarnya di halaman Daftar kategori.",
        "en": "The category has no active list with domains, so this rule matches nothing. Upload its "
        "list on the Category lists page.",
    },
    "lint_shadowed": {"id": "Tidak pernah menentukan", "en": "Never decides"},
    "lint_shadowed_help": {
        "id": "Aturan di atas selalu berlaku bila aturan ini berlaku dan mencakup hal yang sama atau "
        "lebih, sehingga aturan itulah yang menentukan:",
        "en": "A rule above always applies when this one does and matches the same or more, so it "
        "decides first:",
    },
    "lint_never_decrypted": {"id": "Tidak pernah didekripsi", "en": "Never decrypted"},
    "lint_never_decrypted_help": {
        "id": "Aturan di atas meneruskan situs ini tanpa dekripsi, sehingga URL-nya tidak pernah terlihat:",
        "en": "A rule above passes this site through without decryption, so its URLs are never seen:",
    },
    "lint_conflict": {"id": "Urutan menentukan", "en": "Order decides"},
    "lint_conflict_help": {
        "id": "Aturan terjadwal di atas dengan tindakan lain cocok dengan permintaan yang sama: selama "
        "jadwalnya berlaku aturan itulah yang menentukan, di luar itu aturan ini:",
        "en": "A scheduled rule above with another action matches the same requests: during its "
        "schedule it decides, outside it this one does:",
    },
    "add_rule": {"id": "Tambah aturan", "en": "Add a rule"},
    "at_the_end": {"id": "di akhir", "en": "at the end"},
    "rule_help": {
        "id": "Domain berlaku juga untuk subdomainnya. Ekspresi reguler memakai sintaks RE2, tanpa "
        "backreference dan lookaround. Teruskan tanpa dekripsi hanya untuk kategori atau domain: "
        "URL baru terlihat setelah dekripsi. Urutan kosong menaruh aturan di akhir.",
        "en": "A domain covers its subdomains too. Regular expressions use RE2 syntax, without "
        "backreferences or lookaround. Pass-through takes a category or domain only: a URL is "
        "seen after decryption. An empty position puts the rule at the end.",
    },
    "schedules": {"id": "Jadwal", "en": "Schedules"},
    "schedules_help": {
        "id": "Aturan yang memakai jadwal hanya berlaku di dalam jendela waktunya (waktu setempat).",
        "en": "A rule with a schedule applies only inside its windows (local time).",
    },
    "name": {"id": "Nama", "en": "Name"},
    "windows": {"id": "Jendela waktu", "en": "Windows"},
    "holidays": {"id": "Hari libur", "en": "Public holidays"},
    "off_on_holidays": {"id": "Tidak berlaku pada hari libur", "en": "Off on public holidays"},
    "on_on_holidays": {"id": "Berlaku juga pada hari libur", "en": "On during public holidays too"},
    "add_schedule": {"id": "Tambah jadwal", "en": "Add a schedule"},
    "weekday": {"id": "Hari", "en": "Day"},
    "starts": {"id": "Mulai", "en": "Starts"},
    "ends": {"id": "Selesai", "en": "Ends"},
    "windows_help": {
        "id": "Kosongkan hari tanpa jendela waktu. Satu jendela per hari; waktu selesai harus setelah "
        "waktu mulai.",
        "en": "Leave the days without a window empty. One window per day; it must end after it starts.",
    },
    "no_holidays": {"id": "Belum ada hari libur.", "en": "No public holidays yet."},
    "remove": {"id": "Hapus", "en": "Remove"},
    "add_holiday": {"id": "Tambah hari libur", "en": "Add a holiday"},
    "weekday_1": {"id": "Senin", "en": "Monday"},
    "weekday_2": {"id": "Selasa", "en": "Tuesday"},
    "weekday_3": {"id": "Rabu", "en": "Wednesday"},
    "weekday_4": {"id": "Kamis", "en": "Thursday"},
    "weekday_5": {"id": "Jumat", "en": "Friday"},
    "weekday_6": {"id": "Sabtu", "en": "Saturday"},
    "weekday_7": {"id": "Minggu", "en": "Sunday"},
    # why?
    "why_title": {"id": "Mengapa? Uji kebijakan", "en": "Why? Test the policy"},
    "why_intro": {
        "id": "Keputusan proxy untuk sebuah URL, pegawai dan waktu, dan aturan yang menentukannya.",
        "en": "The proxy's decision for a URL, an employee and a time, and the rule that made it.",
    },
    "decision_allow": {"id": "Diizinkan", "en": "Allowed"},
    "decision_block": {"id": "Diblokir", "en": "Blocked"},
    "decision_passthrough": {"id": "Diteruskan tanpa dekripsi", "en": "Passed through without decryption"},
    "decision_warn": {"id": "Peringatan, boleh dilanjutkan", "en": "Warning, may continue"},
    # exception requests
    "exception_request": {"id": "Ajukan pengecualian", "en": "Request an exception"},
    "exception_requests": {"id": "Permintaan pengecualian", "en": "Exception requests"},
    "my_requests": {"id": "Pengecualian saya", "en": "My exception requests"},
    "site": {"id": "Situs", "en": "Site"},
    "rule": {"id": "Aturan", "en": "Rule"},
    "reference": {"id": "Nomor rujukan", "en": "Reference"},
    "reason": {"id": "Alasan", "en": "Reason"},
    "reason_for_work": {
        "id": "Mengapa situs ini Anda perlukan untuk pekerjaan?",
        "en": "Why do you need this site for your work?",
    },
    "send_request": {"id": "Kirim permintaan", "en": "Send the request"},
    "asked_at": {"id": "Diajukan", "en": "Asked"},
    "status": {"id": "Status", "en": "Status"},
    "note": {"id": "Catatan", "en": "Note"},
    "until": {"id": "sampai", "en": "until"},
    "no_requests": {"id": "Belum ada permintaan.", "en": "No requests yet."},
    "status_pending": {"id": "Menunggu", "en": "Waiting"},
    "status_approved": {"id": "Disetujui", "en": "Approved"},
    "status_refused": {"id": "Ditolak", "en": "Refused"},
    "approve": {"id": "Setujui", "en": "Approve"},
    "refuse": {"id": "Tolak", "en": "Refuse"},
    "for_employee": {"id": "untuk pegawai ini", "en": "for this employee"},
    "for_org": {"id": "untuk seluruh OPD-nya", "en": "for their whole OPD"},
    "duration_1h": {"id": "1 jam", "en": "1 hour"},
    "duration_1d": {"id": "1 hari", "en": "1 day"},
    "duration_7d": {"id": "7 hari", "en": "7 days"},
    "duration_30d": {"id": "30 hari", "en": "30 days"},
    "exc_reference_unknown": {
        "id": "Nomor rujukan tidak ditemukan untuk akun Anda. "
        "Buka lagi tautan dari halaman blokir setelah beberapa detik.",
        "en": "This reference is not known for your account. "
        "Open the link from the block page again in a few seconds.",
    },
    "exc_reason_required": {"id": "Tuliskan alasannya.", "en": "Please give a reason."},
    "exc_reason_too_long": {
        "id": "Alasan terlalu panjang (maks. 2000 karakter).",
        "en": "The reason is too long (2000 characters at most).",
    },
    "exc_already_requested": {
        "id": "Permintaan untuk rujukan ini sudah dikirim.",
        "en": "A request for this reference was already sent.",
    },
    "exc_not_pending": {"id": "Permintaan ini sudah diputuskan.", "en": "This request was already decided."},
    "exc_duration_invalid": {"id": "Pilih lama pengecualian.", "en": "Choose how long the exception lasts."},
    "exc_scope_invalid": {
        "id": "Pilih untuk siapa pengecualian berlaku.",
        "en": "Choose who the exception is for.",
    },
    "exc_no_org": {"id": "Pegawai ini tidak terdaftar di OPD mana pun.", "en": "This employee has no OPD."},
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
