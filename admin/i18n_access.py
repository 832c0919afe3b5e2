"""The catalogue entries of the audit log page, the inspector's detail and "Penggunaan saya".

Merged into admin.i18n.CATALOGUE (Bahasa Indonesia first, English as a choice); kept here so that the
pages of roles and access have their words in one place.
"""

from __future__ import annotations

ACCESS_CATALOGUE: dict[str, dict[str, str]] = {
    # query parameters that cannot be read (admin/query_params.py)
    "query_too_long": {
        "id": "{field}: lebih dari {max_length} karakter",
        "en": "{field}: longer than {max_length} characters",
    },
    "query_control": {"id": "{field}: memuat karakter kendali", "en": "{field}: holds control characters"},
    "query_moment": {
        "id": "{field}: harus berupa waktu YYYY-MM-DD HH:MM atau tanggal YYYY-MM-DD, bukan {raw!r}",
        "en": "{field}: expected a time as YYYY-MM-DD HH:MM or a day as YYYY-MM-DD, got {raw!r}",
    },
    "query_day": {
        "id": "{field}: harus berupa tanggal YYYY-MM-DD, bukan {raw!r}",
        "en": "{field}: expected a day as YYYY-MM-DD, got {raw!r}",
    },
    "query_number": {
        "id": "{field}: harus bilangan bulat positif, bukan {raw!r}",
        "en": "{field}: expected a positive whole number, got {raw!r}",
    },
    # the audit log page
    "audit_title": {"id": "Log audit", "en": "Audit log"},
    "audit_intro": {
        "id": "Setiap tindakan admin, setiap masuk ke portal dan setiap akses ke rincian pribadi seorang "
        "pegawai tercatat di sini. Setiap entri menyimpan hash entri sebelumnya, sehingga perubahan "
        "atau penghapusan terlihat.",
        "en": "Every admin action, every portal sign-in and every look at an employee's personal detail is "
        "recorded here. Each entry holds the hash of the one before it, so a change or a removal "
        "shows.",
    },
    "audit_scoped": {
        "id": "Anda melihat entri yang pelaku atau sasarannya pegawai OPD Anda (dan OPD di bawahnya).",
        "en": "You see the entries whose actor or target is an employee of your OPD (and the OPDs below it).",
    },
    "audit_chain_intact": {
        "id": "Rantai hash utuh: {checked} entri terverifikasi.",
        "en": "Hash chain intact: {checked} entries verified.",
    },
    "audit_chain_broken": {
        "id": "Rantai hash RUSAK pada entri {entry} ({checked} entri sebelumnya utuh).",
        "en": "Hash chain BROKEN at entry {entry} ({checked} entries before it are intact).",
    },
    "audit_actor": {"id": "Pelaku", "en": "Actor"},
    "audit_action": {"id": "Tindakan", "en": "Action"},
    "audit_any": {"id": "(semua)", "en": "(any)"},
    "audit_target": {"id": "Sasaran", "en": "Target"},
    "audit_from": {"id": "Dari", "en": "From"},
    "audit_until": {"id": "Sampai", "en": "Until"},
    "audit_at": {"id": "Waktu", "en": "Time"},
    "audit_details": {"id": "Rincian", "en": "Details"},
    "audit_address": {"id": "Alamat", "en": "Address"},
    "audit_newest": {"id": "← Terbaru", "en": "← Newest"},
    "audit_older": {"id": "Lebih lama →", "en": "Older →"},
    "audit_none": {"id": "Tidak ada entri yang cocok.", "en": "No entries match."},
    # the inspector's detail view
    "inspect_title": {"id": "Pemeriksaan rincian pegawai", "en": "Employee detail inspection"},
    "inspect_intro": {
        "id": "Rincian per permintaan (host, skema, metode, status, keputusan, kategori, byte, waktu) "
        "seorang pegawai hanya dibuka untuk suatu perkara: isi nomor perkara, pegawai dan rentang "
        "tanggal.",
        "en": "The per-request detail (host, scheme, method, status, decision, category, bytes, time) of an"
        " employee is opened only for a case: give the case reference, the employee and the days.",
    },
    "inspect_recorded": {
        "id": "Setiap tampilan dan setiap ekspor dicatat di log audit bersama nomor perkara, pegawai dan "
        "rentang tanggalnya.",
        "en": "Every view and every export is written to the audit log with the case reference, the "
        "employee and the days.",
    },
    "inspect_reference": {"id": "Nomor perkara", "en": "Case reference"},
    "inspect_first_day": {"id": "Tanggal pertama", "en": "First day"},
    "inspect_last_day": {"id": "Tanggal terakhir", "en": "Last day"},
    "inspect_limits": {"id": "Paling lama {days} hari per tampilan", "en": "At most {days} days per view"},
    "inspect_range": {"id": "Rentang", "en": "Days"},
    "inspect_rows": {"id": "Baris", "en": "Rows"},
    "inspect_audited_as": {
        "id": "Tampilan ini tercatat di log audit sebagai entri {entry}.",
        "en": "This view is recorded in the audit log as entry {entry}.",
    },
    "inspect_csv": {"id": "Unduh CSV (juga tercatat)", "en": "Download CSV (also recorded)"},
    "inspect_another": {"id": "Pemeriksaan lain", "en": "Another inspection"},
    "inspect_truncated": {
        "id": "Hanya {rows} baris pertama yang ditampilkan; unduh CSV untuk selebihnya.",
        "en": "Only the first {rows} rows are shown; download the CSV for the rest.",
    },
    "inspect_time": {"id": "Waktu", "en": "Time"},
    "inspect_kind": {"id": "Jenis", "en": "Kind"},
    "inspect_host": {"id": "Host", "en": "Host"},
    "inspect_scheme": {"id": "Skema", "en": "Scheme"},
    "inspect_method": {"id": "Metode", "en": "Method"},
    "inspect_status": {"id": "Status", "en": "Status"},
    "inspect_decision": {"id": "Keputusan", "en": "Decision"},
    "inspect_nothing": {
        "id": "Tidak ada penggunaan tercatat pada rentang ini.",
        "en": "No usage recorded in these days.",
    },
    "inspect_reference_required": {
        "id": "Nomor perkara wajib diisi: rincian pribadi pegawai hanya dibuka untuk suatu perkara. Tidak "
        "ada yang ditampilkan.",
        "en": "A case reference is required: an employee's personal detail is opened only for a case. "
        "Nothing is shown.",
    },
    "inspect_reference_invalid": {
        "id": "Nomor perkara harus {low} sampai {high} karakter yang dapat dicetak, misalnya ITJ-2026-041.",
        "en": "The case reference must be {low} to {high} printable characters, e.g. ITJ-2026-041.",
    },
    "inspect_employee_required": {
        "id": "Pegawai mana? Isi nama penggunanya.",
        "en": "Which employee? Give their username.",
    },
    "inspect_range_backwards": {
        "id": "Tanggal pertama {first} setelah tanggal terakhir {last}.",
        "en": "The first day {first} is after the last day {last}.",
    },
    "inspect_range_too_long": {
        "id": "Paling lama {days} hari per tampilan.",
        "en": "At most {days} days per view.",
    },
    "inspect_unknown_employee": {"id": "Tidak ada pegawai {username!r}.", "en": "No employee {username!r}."},
    "inspect_out_of_scope": {
        "id": "Pegawai {username!r} bukan pegawai OPD dalam cakupan Anda. Upaya ini dicatat.",
        "en": "Employee {username!r} is not in an OPD within your scope. This attempt is recorded.",
    },
    # "Penggunaan saya"
    "my_usage_title": {"id": "Penggunaan saya", "en": "My usage"},
    "my_usage_intro": {
        "id": "Penggunaan internet Anda sendiri melalui S'MEDI.",
        "en": "Your own internet use through S'MEDI.",
    },
    "my_usage_today": {"id": "Hari ini", "en": "Today"},
    "my_usage_month": {"id": "Bulan ini", "en": "This month"},
    "my_usage_per_day": {"id": "Per hari bulan ini", "en": "Per day this month"},
    "my_usage_no_month": {
        "id": "Belum ada penggunaan tercatat bulan ini.",
        "en": "No usage recorded this month.",
    },
    "my_usage_by_category": {"id": "Per kategori", "en": "By category"},
    "my_usage_no_category": {"id": "(tanpa kategori)", "en": "(no category)"},
    "my_usage_top_hosts": {"id": "Host terbanyak", "en": "Top hosts"},
    "my_usage_blocked": {"id": "Upaya yang diblokir", "en": "Blocked attempts"},
    "my_usage_no_blocked": {
        "id": "Tidak ada upaya yang diblokir dalam {days} hari terakhir.",
        "en": "No blocked attempts in the last {days} days.",
    },
    "privacy_title": {"id": "Pemberitahuan privasi", "en": "Privacy notice"},
    "privacy_what_title": {"id": "Apa yang dicatat", "en": "What is recorded"},
    "privacy_what": {
        "id": "Untuk setiap permintaan web melalui S'MEDI dicatat: waktu, akun Anda dan OPD Anda, alamat IP"
        " perangkat, nama host yang dituju (bukan isi halaman), skema, metode, kode status, keputusan"
        " kebijakan (diizinkan atau diblokir) beserta aturan atau kategorinya, dan jumlah byte unggah"
        " dan unduh. Isi halaman, formulir dan kata sandi tidak disimpan.",
        "en": "For every web request through S'MEDI we record: the time, your account and your OPD, the "
        "device's IP address, the host name visited (not the page's content), the scheme, method and "
        "status code, the policy decision (allowed or blocked) with its rule or category, and the "
        "bytes up and down. Page contents, forms and passwords are not stored.",
    },
    "privacy_who_title": {"id": "Siapa yang dapat melihatnya", "en": "Who can see it"},
    "privacy_who": {
        "id": "Anda melihat penggunaan Anda sendiri di halaman ini. Admin jaringan Diskominfo dan BKPP "
        "(SDM) melihat ringkasan per OPD dan per pegawai. Rincian per permintaan hanya dapat dibuka "
        "oleh Inspektorat untuk suatu perkara, dengan nomor perkara, dan setiap akses itu tercatat di"
        " log audit yang tidak dapat diubah tanpa terlihat.",
        "en": "You see your own usage on this page. Diskominfo's network admins and BKPP (HR) see summaries"
        " per OPD and per employee. The per-request detail can be opened only by the Inspectorate for"
        " a case, with a case reference, and every such look is written to an audit log that cannot "
        "be changed unseen.",
    },
    "privacy_how_long_title": {"id": "Berapa lama disimpan", "en": "How long it is kept"},
    "privacy_how_long": {
        "id": "Catatan per permintaan disimpan {raw_days} hari, lalu dihapus. Ringkasan per jam dan per "
        "hari (tanpa rincian permintaan) disimpan {rollup_days} hari untuk laporan.",
        "en": "The per-request records are kept for {raw_days} days, then deleted. Hourly and daily "
        "summaries (without the requests' detail) are kept for {rollup_days} days for reports.",
    },
    "privacy_rights_title": {"id": "Hak Anda (UU 27/2022)", "en": "Your rights (Law 27/2022)"},
    "privacy_rights": {
        "id": "Menurut Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi, Anda berhak "
        "mendapat informasi tentang pemrosesan data Anda, mengakses dan memperoleh salinannya, "
        "meminta perbaikan data yang tidak akurat, meminta penghapusan atau pembatasan pemrosesan "
        "sesuai ketentuan undang-undang, dan mengajukan keberatan. Sampaikan permintaan Anda kepada "
        "pejabat pelindungan data pribadi Diskominfo Kota Semarang.",
        "en": "Under Law No. 27 of 2022 on Personal Data Protection you have the right to be informed about"
        " the processing of your data, to access it and obtain a copy, to have inaccurate data "
        "corrected, to ask for erasure or restricted processing as the law provides, and to object. "
        "Send your request to the personal data protection officer of Diskominfo Kota Semarang.",
    },
}
