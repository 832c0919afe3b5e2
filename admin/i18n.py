"""Bahasa Indonesia first, English as a choice: one catalogue, the language from a cookie."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from admin.i18n_access import ACCESS_CATALOGUE
from admin.i18n_alerts import ALERTS_CATALOGUE, ALERTS_REFUSALS
from admin.i18n_dashboard import DASHBOARD_CATALOGUE
from admin.i18n_samawa import SAMAWA_CATALOGUE, TOKEN_REFUSALS
from smedi.refusals import Refusal

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
    "connected_title": {"id": "Perangkat Anda sudah terhubung", "en": "Your device is connected"},
    "connected_body": {
        "id": "Akses internet dari alamat {address} kini tercatat atas nama Anda sampai {until}, atau"
        " sampai Anda keluar atau tidak aktif selama {idle} menit.",
        "en": "Internet access from {address} is now recorded in your name until {until}, or until you"
        " sign out or stay idle for {idle} minutes.",
    },
    "continue_to": {"id": "Lanjutkan ke", "en": "Continue to"},
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
        "id": "Kosongkan hari tanpa jendela waktu. Sehari boleh punya beberapa jendela (misalnya 07:30–12:00 "
        "dan 13:00–16:00) yang tidak saling tumpang tindih; waktu selesai harus setelah waktu mulai.",
        "en": "Leave the days without a window empty. A day may have several windows (e.g. 07:30–12:00 and "
        "13:00–16:00) that do not overlap; each must end after it starts.",
    },
    "change_schedule": {"id": "Ubah jadwal", "en": "Change the schedule"},
    "change": {"id": "Ubah", "en": "Change"},
    "cancel": {"id": "Batal", "en": "Cancel"},
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
    # devices and addresses (transparent gateway)
    "clients_title": {"id": "Perangkat & alamat", "en": "Devices & addresses"},
    "clients_intro": {
        "id": "Di mode transparan, proxy mengenali pegawai dari alamat IP perangkatnya: lewat sewa dari "
        "login di portal captive (berakhir saat keluar, setelah tidak aktif, atau pada batas waktunya), "
        "atau lewat ikatan tetap yang dibuat admin untuk server, printer dan kios. Ikatan mengalahkan sewa "
        "untuk alamat yang sama. Proxy menerapkan perubahan dalam beberapa detik.",
        "en": "In transparent mode the proxy knows the employee by the device's IP address: from a lease "
        "taken by signing in at the captive portal (it ends at sign-out, when idle, or at its maximum "
        "lifetime), or from a static binding an admin sets for servers, printers and kiosks. A binding "
        "wins over a lease for the same address. Proxies apply a change within seconds.",
    },
    "clients_none": {"id": "Belum ada sewa atau ikatan.", "en": "No leases or bindings yet."},
    "clients_address": {"id": "Alamat IP", "en": "IP address"},
    "clients_kind": {"id": "Jenis", "en": "Kind"},
    "clients_kind_lease": {"id": "Sewa (login)", "en": "Lease (sign-in)"},
    "clients_kind_binding": {"id": "Ikatan tetap", "en": "Static binding"},
    "clients_since": {"id": "Sejak", "en": "Since"},
    "clients_last_seen": {"id": "Terakhir terlihat", "en": "Last seen"},
    "clients_expires": {"id": "Berakhir", "en": "Expires"},
    "clients_by": {"id": "oleh", "en": "by"},
    "clients_add_binding": {"id": "Tambah ikatan", "en": "Add a binding"},
    "clients_binding_help": {
        "id": "Alamat IPv4 atau IPv6 satu perangkat. Ikatan baru untuk alamat yang sudah terikat "
        "menggantikan ikatan lama. Catatan paling banyak 200 karakter.",
        "en": "The IPv4 or IPv6 address of one device. A new binding for an address already bound replaces "
        "the old one. Notes are 200 characters at most.",
    },
    "clients_bind": {"id": "Ikat", "en": "Bind"},
    "clients_unbind": {"id": "Lepas ikatan", "en": "Remove the binding"},
    "clients_pac": {
        "id": "Perangkat yang memakai proxy eksplisit dapat diatur otomatis dengan berkas PAC:",
        "en": "Devices using the explicit proxy can be set up automatically with the PAC file:",
    },
    # quotas (admin/quotas.py)
    "quotas_title": {"id": "Kuota", "en": "Quotas"},
    "nav_datasets": {"id": "Dataset SAMAWA", "en": "SAMAWA datasets"},
    "nav_api_tokens": {"id": "Token API", "en": "API tokens"},
    "quotas_intro": {
        "id": "Kuota membatasi byte (unggah dan unduh) per hari, per minggu (mulai Senin) atau per bulan "
        "(mulai tanggal 1), menurut waktu setempat. Kuota pegawai menghitung semua lalu lintas pegawai "
        "itu; kuota OPD menghitung lalu lintas OPD itu dan OPD di bawahnya bersama-sama; kuota kategori "
        "menghitung satu kategori untuk setiap pegawai (semua pegawai, pegawai satu OPD, atau satu "
        "pegawai). Pegawai diberi tahu saat 80 % terpakai dan diblokir saat 100 %. Proxy menerapkan "
        "perubahan dalam beberapa detik.",
        "en": "Quotas limit bytes (up and down) per day, per week (from Monday) or per month (from the 1st), "
        "in local time. An employee quota counts all of that employee's traffic; an OPD quota counts the "
        "traffic of the OPD and the OPDs under it together; a category quota counts one category for each "
        "employee (everyone, the employees of one OPD, or one employee). Employees are told at 80 % and "
        "blocked at 100 %. Proxies apply a change within seconds.",
    },
    "quotas_none": {"id": "Belum ada kuota.", "en": "No quotas yet."},
    "quota_scope": {"id": "Jenis kuota", "en": "Kind of quota"},
    "quota_scope_employee": {"id": "Satu pegawai", "en": "One employee"},
    "quota_scope_org": {"id": "OPD, bersama-sama", "en": "An OPD, together"},
    "quota_scope_category": {"id": "Kategori, per pegawai", "en": "A category, per employee"},
    "quota_period": {"id": "Periode", "en": "Period"},
    "quota_period_day": {"id": "per hari", "en": "per day"},
    "quota_period_week": {"id": "per minggu", "en": "per week"},
    "quota_period_month": {"id": "per bulan", "en": "per month"},
    "quota_period_since": {"id": "periode ini sejak", "en": "this period since"},
    "quota_resets": {"id": "diatur ulang pada", "en": "resets at"},
    "quota_resets_label": {"id": "Diatur ulang pada", "en": "Resets at"},
    "quota_used_of_limit": {"id": "Terpakai / batas", "en": "Used / limit"},
    "quota_org_together": {"id": "bersama OPD di bawahnya", "en": "with the OPDs under it, together"},
    "quota_each_employee": {"id": "setiap pegawai", "en": "each employee"},
    "quota_each_employee_of": {"id": "setiap pegawai OPD", "en": "each employee of OPD"},
    "quota_added_by": {"id": "ditambahkan oleh", "en": "added by"},
    "quota_used": {"id": "Terpakai", "en": "Used"},
    "quota_limit": {"id": "Batas", "en": "Limit"},
    "quota_remaining": {"id": "Sisa", "en": "Left"},
    "quota_level_notice": {"id": "sudah diberi tahu", "en": "told"},
    "quota_level_exceeded": {"id": "habis", "en": "used up"},
    "quota_nobody_used": {
        "id": "Belum ada pegawai yang memakai kategori ini pada periode ini.",
        "en": "No employee has used this category in this period.",
    },
    "quota_more_subjects": {
        "id": "dan {count} pegawai lain (daftar lengkap: smedi quota usage)",
        "en": "and {count} more employees (the full list: smedi quota usage)",
    },
    "quota_remove": {"id": "Hapus kuota", "en": "Remove the quota"},
    "quota_add": {"id": "Tambah kuota", "en": "Add a quota"},
    "quota_employee_field": {"id": "Nama pengguna pegawai", "en": "Employee's username"},
    "quota_org_field": {"id": "Kode OPD", "en": "OPD code"},
    "quota_limit_field": {"id": "Batas (mis. 500M, 1.5G, 2G)", "en": "Limit (e.g. 500M, 1.5G, 2G)"},
    "quota_help": {
        "id": "Satu pegawai: isi nama pengguna. OPD: isi kode OPD. Kategori: pilih kategori, lalu kosongkan "
        "pegawai dan OPD (semua pegawai), atau isi salah satunya. Kolom yang tidak dipakai jenis kuota itu "
        "diabaikan. Batas memakai K, M, G, T (kelipatan 1024), dengan titik untuk desimal. Catatan paling "
        "banyak 200 karakter.",
        "en": "One employee: give the username. An OPD: give the OPD code. A category: choose it, then leave "
        "the employee and the OPD empty (everyone) or give one of them. Fields the kind of quota does not "
        "use are ignored. Limits take K, M, G, T (powers of 1024), with a point for decimals. Notes are 200 "
        "characters at most.",
    },
    "my_quotas": {"id": "Kuota saya", "en": "My quotas"},
    "my_quotas_intro": {
        "id": "Batas pemakaian internet yang berlaku untuk Anda, dan berapa yang sudah terpakai pada periode "
        "ini. Anda diberi tahu saat 80 % terpakai; saat habis, akses diblokir sampai kuota diatur ulang.",
        "en": "The internet limits that apply to you, and how much of each you have used in this period. You "
        "are told when 80 % is used; when it is used up, access is blocked until the quota resets.",
    },
    "my_quotas_none": {"id": "Tidak ada kuota yang berlaku untuk Anda.", "en": "No quota applies to you."},
    "quota_yours": {"id": "Kuota Anda", "en": "Your quota"},
    "quota_your_org": {"id": "Kuota bersama OPD", "en": "Shared quota of OPD"},
    "quota_category_for_you": {"id": "Kuota kategori", "en": "Quota for the category"},
    "quota_shared_help": {
        "id": "Kuota ini dipakai bersama oleh semua pegawai OPD ini dan OPD di bawahnya.",
        "en": "This quota is shared by every employee of this OPD and the OPDs under it.",
    },
    # usage reports (admin/views/reports.py)
    "reports_title": {"id": "Laporan penggunaan", "en": "Usage reports"},
    "report_intro": {
        "id": "Laporan per pegawai, per OPD (dengan sub-unitnya) atau seluruh kota, untuk satu hari, minggu, "
        "bulan (waktu setempat) atau rentang tanggal. Setiap laporan tentang pegawai yang disebut namanya "
        "dicatat di log audit.",
        "en": "Reports for one employee, one OPD (with its sub-units) or the whole city, over a day, week, "
        "month (local time) or a range of days. Every report on a named employee is written to the audit "
        "log.",
    },
    "report_subject": {"id": "Subjek", "en": "Subject"},
    "subject_employee": {"id": "Pegawai", "en": "Employee"},
    "subject_org": {"id": "OPD dengan sub-unit", "en": "OPD with its sub-units"},
    "subject_city": {"id": "Seluruh kota", "en": "The whole city"},
    "report_username": {"id": "Nama pengguna pegawai", "en": "Employee's username"},
    "report_org_code": {"id": "Kode OPD", "en": "OPD code"},
    "report_period": {"id": "Periode", "en": "Period"},
    "period_day": {"id": "Harian", "en": "Day"},
    "period_week": {"id": "Mingguan", "en": "Week"},
    "period_month": {"id": "Bulanan", "en": "Month"},
    "period_range": {"id": "Rentang tanggal", "en": "Range of days"},
    "report_until": {"id": "Sampai tanggal (untuk rentang)", "en": "Until (for a range)"},
    "report_show": {"id": "Tampilkan laporan", "en": "Show the report"},
    "report_heading": {"id": "Laporan penggunaan internet", "en": "Internet usage report"},
    "report_city_name": {"id": "Pemerintah Kota Semarang", "en": "Semarang City Government"},
    "report_bytes": {"id": "Total data", "en": "Total data"},
    "report_active_time": {"id": "Waktu aktif daring", "en": "Active time online"},
    "report_active_definition": {
        "id": "Waktu aktif daring: jumlah slot 5 menit (waktu setempat) yang memuat lalu lintas apa pun, "
        "dikali 5 menit; untuk OPD atau kota dijumlahkan atas semua pegawai (jam-pegawai).",
        "en": "Active time online: the number of 5-minute slots (local time) holding any traffic, times 5 "
        "minutes; for an OPD or the city summed over its employees (employee-hours).",
    },
    "report_office_definition": {
        "id": "Jam kerja: {hours} (waktu setempat, {timezone}), dihitung per slot 5 menit; hari libur tidak "
        "dikecualikan.",
        "en": "Office hours: {hours} (local time, {timezone}), counted per 5-minute slot; holidays are not "
        "taken out.",
    },
    "report_office_hours": {"id": "Jam kerja", "en": "Office hours"},
    "report_after_hours": {"id": "Di luar jam kerja", "en": "After hours"},
    "report_trend_hour": {"id": "Tren per jam", "en": "Trend per hour"},
    "report_trend_day": {"id": "Tren per hari", "en": "Trend per day"},
    "report_top_hosts": {"id": "Host teratas", "en": "Top hosts"},
    "report_top_categories": {"id": "Kategori teratas", "en": "Top categories"},
    "report_host": {"id": "Host", "en": "Host"},
    "report_category": {"id": "Kategori", "en": "Category"},
    "report_quota_events": {"id": "Peristiwa kuota", "en": "Quota events"},
    "report_quota_refused": {
        "id": "Permintaan ditolak karena kuota habis",
        "en": "Requests refused, quota used up",
    },
    "report_quota_notices": {"id": "Pemberitahuan 80 % kuota", "en": "80 % quota notices"},
    "report_hierarchy": {"id": "Hierarki OPD", "en": "OPD hierarchy"},
    "report_employees_active": {"id": "Pegawai dengan lalu lintas", "en": "Employees with traffic"},
    "report_export_csv": {"id": "Unduh CSV", "en": "Download CSV"},
    "report_export_pdf": {"id": "Unduh PDF", "en": "Download PDF"},
    "report_generated_at": {"id": "Dibuat", "en": "Generated"},
    "report_none": {
        "id": "Tidak ada penggunaan tercatat pada periode ini.",
        "en": "No usage in this period.",
    },
    "report_source": {
        "id": "Sumber: rollup penggunaan (per 5 menit, per jam, per hari), bukan catatan mentah.",
        "en": "Source: the usage rollups (per 5 minutes, hour and day), not the raw records.",
    },
    "report_archive": {"id": "Arsip laporan terjadwal", "en": "Archive of scheduled reports"},
    "report_archive_intro": {
        "id": "Laporan harian, mingguan dan bulanan untuk seluruh kota dan setiap OPD tingkat atas, dibuat "
        "otomatis sekali setelah periodenya berakhir.",
        "en": "Daily, weekly and monthly reports for the whole city and each top-level OPD, generated once "
        "by the system after their period ends.",
    },
    "report_archive_empty": {"id": "Belum ada laporan terjadwal.", "en": "No scheduled report yet."},
    "report_open": {"id": "Buka", "en": "Open"},
    "report_minutes": {"id": "menit", "en": "minutes"},
    "report_hours_short": {"id": "jam", "en": "hours"},
    "report_day_label": {"id": "Hari", "en": "Day"},
    "report_hour_label": {"id": "Jam", "en": "Hour"},
    "report_share": {"id": "Porsi", "en": "Share"},
}


# The Indonesian of every refusal the stores explain (smedi.refusals): key → template with the same
# {fields} as the English in the error class's MESSAGES. A test checks that none is missing.
REFUSALS: dict[str, str] = {
    # forms (admin/forms.py)
    "form_not_text": "{field}: harus berupa teks, bukan berkas",
    "form_too_long": "{field}: lebih dari {max_length} karakter",
    "form_whole_number": "{field}: harus bilangan bulat dari {minimum} sampai {maximum}, bukan {raw!r}",
    "form_date": "{field}: tanggal harus berformat TTTT-BB-HH, bukan {raw!r}",
    "form_time": "{field}: waktu harus berformat JJ:MM, bukan {raw!r}",
    "form_which_rule": "id: aturan yang mana?",
    "form_which_schedule": "id: jadwal yang mana?",
    "form_which_quota": "id: kuota yang mana?",
    "form_list_file": "list_file: pilih berkas daftar yang akan diunggah",
    "form_window_half": "hari ke-{weekday}: isi waktu mulai dan selesai, atau kosongkan keduanya",
    # host names (proxy_addons/hostnames.py, admin/list_formats.py)
    "host_ipv6_bracket": "kurung siku IPv6 tidak ditutup",
    "host_port": "port bukan angka",
    "host_empty": "nama host kosong",
    "host_idna": "bukan nama internasional yang valid: {reason}",
    "host_too_long": "nama lebih dari {max_length} karakter",
    "host_label": (
        "ada label yang kosong, terlalu panjang, atau memuat karakter yang tidak boleh ada dalam nama"
    ),
    "host_entry": "{entry!r}: {reason}",
    "host_not_a_url": "bukan URL: {reason}",
    "host_wildcard_ip": "alamat IP dengan wildcard",
    "host_wildcard_inside": "wildcard di tengah nama",
    "host_no_tld": "tidak ada domain tingkat atas",
    "host_number_as_tld": "bukan alamat IP dan bukan nama (label terakhirnya angka)",
    # rules (proxy_addons/rules.py, admin/policy_rules.py)
    "rule_regex_too_long": "ekspresi reguler lebih dari {max_length} karakter",
    "rule_regex_refused": "ekspresi reguler ditolak ({reason}); backreference dan lookaround tidak didukung",
    "rule_url_prefix_invalid": "awalan URL {prefix!r}: {reason}",
    "rule_domain_invalid": "domain {pattern!r}: {reason}",
    "rule_unknown_action": "tindakan {action!r} tidak dikenal; tindakan yang ada: {actions}",
    "rule_unknown_match_kind": "jenis kecocokan {match!r} tidak dikenal",
    "rule_passthrough_url": "teruskan tanpa dekripsi hanya untuk kecocokan kategori atau domain: URL baru "
    "terlihat setelah dekripsi",
    "rule_unknown_scope": "cakupan {scope!r} tidak dikenal; cakupan yang ada: {scopes}",
    "rule_scope_value": "cakupan OPD, peran atau pegawai perlu namanya; 'everyone' tidak memakai nama",
    "rule_unknown_role": "peran {role!r} tidak dikenal; peran yang ada: {roles}",
    "rule_unknown_match": "kecocokan {match!r} tidak dikenal; kecocokan yang ada: {matches}",
    "rule_matches_nothing": (
        "aturan ini tidak cocok dengan apa pun: isi kategori, domain, awalan URL atau ekspresi"
    ),
    "rule_reference_unknown": "OPD, pegawai, kategori atau jadwal yang disebut tidak ada",
    "rule_unknown": "tidak ada aturan nomor {rule_id}",
    "rule_direction": "arah: harus up atau down, bukan {direction!r}",
    "rule_already_first": "aturan nomor {rule_id} sudah yang pertama",
    "rule_already_last": "aturan nomor {rule_id} sudah yang terakhir",
    # category lists and categories (admin/category_lists.py, admin/categories.py)
    "list_unknown_category": "kategori {slug!r} tidak dikenal",
    "list_no_earlier": "kategori {slug!r} tidak punya daftar sebelumnya untuk dikembalikan",
    "list_not_a_host": "bukan nama host: {reason}",
    "category_unknown_action": "tindakan {action!r} tidak dikenal; tindakan yang ada: {actions}",
    "category_unknown": "kategori {slug!r} tidak dikenal",
    # schedules and holidays (admin/schedules.py)
    "schedule_name_length": "nama jadwal harus 1 sampai {max_length} karakter",
    "schedule_name_control": "nama jadwal memuat karakter kendali",
    "holiday_name_length": "nama hari libur harus 1 sampai {max_length} karakter",
    "holiday_name_control": "nama hari libur memuat karakter kendali",
    "schedule_no_window": "jadwal perlu setidaknya satu jendela waktu: tanpa itu jadwal tidak pernah berlaku",
    "schedule_weekday_range": "hari ke-{weekday}: gunakan 1 (Senin) sampai 7 (Minggu)",
    "schedule_window_backwards": "hari ke-{weekday}: jendela waktu selesai ({ends:%H:%M}) sebelum mulai "
    "({starts:%H:%M})",
    "schedule_windows_overlap": "hari ke-{weekday}: jendela waktu {first_starts:%H:%M}-{first_ends:%H:%M} "
    "dan {second_starts:%H:%M}-{second_ends:%H:%M} tumpang tindih",
    "schedule_exists": "jadwal bernama {name!r} sudah ada",
    "schedule_unknown": "tidak ada jadwal nomor {schedule_id}",
    "schedule_in_use": "jadwal {name!r} masih dipakai aturan nomor {rules}: hapus aturan itu dulu, lalu "
    "jadwalnya",
    "holiday_exists": "{day} sudah menjadi hari libur",
    "holiday_unknown": "{day} bukan hari libur",
    # exception requests (admin/exceptions.py)
    "exc_reference_unknown": "Nomor rujukan tidak ditemukan untuk akun Anda. "
    "Buka lagi tautan dari halaman blokir setelah beberapa detik.",
    "exc_reason_required": "Tuliskan alasannya.",
    "exc_reason_too_long": "Alasan terlalu panjang (maks. {max_length} karakter).",
    "exc_already_requested": "Permintaan untuk rujukan ini sudah dikirim.",
    "exc_not_pending": "Permintaan ini sudah diputuskan.",
    "exc_duration_invalid": "Pilih lama pengecualian.",
    "exc_scope_invalid": "Pilih untuk siapa pengecualian berlaku.",
    "exc_no_org": "Pegawai ini tidak terdaftar di OPD mana pun.",
    # client addresses (admin/clients.py)
    "client_not_an_address": "{raw!r} bukan alamat IP",
    "client_not_a_device": "{address} bukan alamat sebuah perangkat (alamat kosong atau multicast)",
    "client_note_too_long": "catatan lebih dari {max_length} karakter",
    "client_note_control": "catatan memuat karakter kendali (baris baru, tab, ...)",
    "client_unknown_employee": "pegawai {username!r} tidak dikenal",
    "client_no_binding": "{address} tidak punya ikatan",
    # quotas (admin/quotas.py)
    "quota_unknown_scope": "jenis kuota {scope!r} tidak dikenal; jenis yang ada: employee, org, category",
    "quota_unknown_period": "periode {period!r} tidak dikenal; periode yang ada: day, week, month",
    "quota_employee_target": "kuota pegawai perlu nama pengguna pegawai itu, tanpa OPD atau kategori",
    "quota_org_target": "kuota OPD perlu kode OPD itu, tanpa pegawai atau kategori",
    "quota_category_target": "kuota kategori perlu kategorinya, dan paling banyak satu OPD atau satu pegawai "
    "(tanpa keduanya: semua pegawai)",
    "quota_unknown_employee": "pegawai {username!r} tidak dikenal",
    "quota_unknown_org": "OPD {code!r} tidak dikenal",
    "quota_unknown_category": "kategori {slug!r} tidak dikenal",
    "quota_limit_invalid": "batas: harus berupa ukuran seperti 500M, 1.5G atau 2G (titik untuk desimal), "
    "bukan {raw!r}",
    "quota_limit_too_large": "batas: paling besar {maximum}",
    "quota_note_too_long": "catatan lebih dari {max_length} karakter",
    "quota_note_control": "catatan memuat karakter kendali (baris baru, tab, ...)",
    "quota_exists": "kuota nomor {quota_id} sudah membatasi hal yang sama untuk periode yang sama: hapus "
    "dulu untuk mengubah batasnya",
    "quota_unknown": "tidak ada kuota nomor {quota_id}",
}

# The audit log page, the inspector's detail and "Penggunaan saya" keep their words in their own file.
CATALOGUE.update(ACCESS_CATALOGUE)
CATALOGUE.update(DASHBOARD_CATALOGUE)  # the live dashboard (admin/i18n_dashboard.py)
CATALOGUE.update(ALERTS_CATALOGUE)  # the anomaly alert pages (admin/i18n_alerts.py)
CATALOGUE.update(SAMAWA_CATALOGUE)  # the SAMAWA pages (admin/i18n_samawa.py)
REFUSALS.update(ALERTS_REFUSALS)
REFUSALS.update(TOKEN_REFUSALS)  # SAMAWA's token requests (admin/samawa/token_store.py)

ERROR_KEYS = frozenset(k for k in CATALOGUE if k.startswith("error_"))


def language(request: web.Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGUAGES else "id"


def refusal_text(refusal: Refusal, lang: str) -> str:
    """A store's refusal in the reader's language: English is the error's own text."""
    if lang == "en":
        return str(refusal)
    return refusal.render(lambda r: REFUSALS[r.key])  # a missing key is a bug: fail in tests, not silently


def translator(lang: str) -> Callable[[str | Exception], str]:
    """`_` in templates: a catalogue key, or the error a view shows as the reason for a refusal."""

    def translate(key: str | Exception) -> str:
        if isinstance(key, Refusal):
            return refusal_text(key, lang)
        if isinstance(key, Exception):
            return str(key)  # a list file's diagnostics (ListFormatError) are shared with the CLI, in English
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
