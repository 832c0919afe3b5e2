"""The SAMAWA pages' words (datasets and reviews, API tokens, the public data pages), merged into CATALOGUE.

Also the Indonesian of the token store's refusals: TokenError is not a smedi.refusals.Refusal, so its words
cannot join REFUSALS; the token pages look them up here (admin/samawa/views_tokens.py).
"""

from __future__ import annotations

SAMAWA_CATALOGUE: dict[str, dict[str, str]] = {
    # the Walidata's pages (admin/samawa/views_walidata.py)
    "wd_datasets": {"id": "Dataset SAMAWA", "en": "SAMAWA datasets"},
    "wd_datasets_intro": {
        "id": "Dataset yang dikirim OPD melalui API dengan token bertanda tangan, diperiksa oleh Walidata, "
        "lalu diterbitkan sebagai versi yang tidak dapat diubah.",
        "en": "Datasets the OPDs deliver through the API with signed tokens, checked by the Walidata, then "
        "published as immutable versions.",
    },
    "wd_none": {"id": "Belum ada dataset.", "en": "No datasets yet."},
    "wd_new": {"id": "Dataset baru", "en": "New dataset"},
    "wd_create": {"id": "Simpan dataset", "en": "Save dataset"},
    "wd_slug": {"id": "Nama singkat (slug)", "en": "Short name (slug)"},
    "wd_slug_help": {
        "id": "Huruf kecil, angka dan tanda '-', misalnya keluarga-miskin. Dipakai di alamat API.",
        "en": "Lower-case letters, digits and '-', e.g. keluarga-miskin. Used in the API's address.",
    },
    "wd_title": {"id": "Judul", "en": "Title"},
    "wd_description": {"id": "Deskripsi", "en": "Description"},
    "wd_org": {"id": "OPD produsen data", "en": "Producer OPD"},
    "wd_topic": {"id": "Topik", "en": "Topic"},
    "wd_classification": {"id": "Klasifikasi", "en": "Classification"},
    "wd_class_publik": {"id": "publik", "en": "public (publik)"},
    "wd_class_terbatas": {"id": "terbatas", "en": "restricted (terbatas)"},
    "wd_class_rahasia": {"id": "rahasia", "en": "secret (rahasia)"},
    "wd_license": {"id": "Lisensi", "en": "License"},
    "wd_release_schedule": {"id": "Jadwal rilis", "en": "Release schedule"},
    "wd_metadata": {"id": "Metadata Satu Data", "en": "Satu Data metadata"},
    "wd_schema": {
        "id": "Skema (Frictionless Table Schema, JSON)",
        "en": "Schema (Frictionless Table Schema, JSON)",
    },
    "wd_schema_file": {"id": "atau unggah berkas skema", "en": "or upload a schema file"},
    "wd_suppress": {"id": "Sembunyikan sel kecil pada kolom", "en": "Hide small cells in the fields"},
    "wd_suppress_help": {
        "id": "Nama kolom dipisah koma; nilai di bawah ambang ditampilkan sebagai tersembunyi untuk publik.",
        "en": "Field names separated by commas; values below the threshold are shown as hidden to the "
        "public.",
    },
    "wd_suppress_below": {"id": "Ambang", "en": "Threshold"},
    "wd_version": {"id": "Versi", "en": "Version"},
    "wd_current_version": {"id": "Versi terbit", "en": "Published version"},
    "wd_no_version": {"id": "belum terbit", "en": "not published yet"},
    "wd_pending": {"id": "Menunggu pemeriksaan", "en": "Awaiting review"},
    "wd_fields": {"id": "Kolom", "en": "Fields"},
    "wd_field_type": {"id": "Tipe", "en": "Type"},
    "wd_constraints": {"id": "Batasan", "en": "Constraints"},
    "wd_primary_key": {"id": "Kunci utama", "en": "Primary key"},
    "wd_submissions": {"id": "Kiriman", "en": "Submissions"},
    "wd_no_submissions": {"id": "Belum ada kiriman.", "en": "No submissions yet."},
    "wd_submission": {"id": "Kiriman", "en": "Submission"},
    "wd_received_at": {"id": "Diterima", "en": "Received"},
    "wd_rows": {"id": "Baris", "en": "Rows"},
    "wd_mode": {"id": "Mode", "en": "Mode"},
    "wd_status": {"id": "Status", "en": "Status"},
    "wd_status_submitted": {"id": "menunggu pemeriksaan", "en": "awaiting review"},
    "wd_status_approved": {"id": "disetujui", "en": "approved"},
    "wd_status_returned": {"id": "dikembalikan", "en": "returned"},
    "wd_versions": {"id": "Versi terbit", "en": "Published versions"},
    "wd_no_versions": {"id": "Belum ada versi terbit.", "en": "No published versions yet."},
    "wd_published_at": {"id": "Terbit", "en": "Published"},
    "wd_by": {"id": "oleh", "en": "by"},
    "wd_download": {"id": "Unduh", "en": "Download"},
    "wd_diff": {"id": "Bandingkan versi", "en": "Compare versions"},
    "wd_compare": {"id": "Bandingkan", "en": "Compare"},
    "wd_from": {"id": "Dari versi", "en": "From version"},
    "wd_to": {"id": "Ke versi", "en": "To version"},
    "wd_added": {"id": "Baris ditambah", "en": "Rows added"},
    "wd_removed": {"id": "Baris dihapus", "en": "Rows removed"},
    "wd_changed": {"id": "Baris berubah", "en": "Rows changed"},
    "wd_by_key": {"id": "Dibandingkan menurut kunci utama", "en": "Compared by the primary key"},
    "wd_by_whole_row": {
        "id": "Tanpa kunci utama: dibandingkan per baris utuh (baris yang berubah tampil sebagai dihapus dan "
        "ditambah).",
        "en": "No primary key: compared by whole rows (a changed row shows as removed and added).",
    },
    "wd_same": {"id": "Kedua versi sama.", "en": "The two versions are the same."},
    "wd_shown_first": {
        "id": "Ditampilkan {shown} pertama dari {total}.",
        "en": "The first {shown} of {total} shown.",
    },
    "wd_before": {"id": "Sebelum", "en": "Before"},
    "wd_after": {"id": "Sesudah", "en": "After"},
    "wd_preview": {"id": "Pratinjau baris", "en": "Row preview"},
    "wd_effect": {
        "id": "Jika disetujui, dibandingkan dengan versi terbit",
        "en": "If approved, compared with the published version",
    },
    "wd_approve": {"id": "Setujui dan terbitkan", "en": "Approve and publish"},
    "wd_approve_help": {
        "id": "Menerbitkan kiriman ini sebagai versi baru yang tidak dapat diubah.",
        "en": "Publishes this submission as a new, immutable version.",
    },
    "wd_return": {"id": "Kembalikan ke OPD", "en": "Return to the OPD"},
    "wd_return_note": {"id": "Catatan untuk OPD (wajib)", "en": "Note for the OPD (required)"},
    "wd_review_note": {"id": "Catatan pemeriksaan", "en": "Review note"},
    "wd_reviewed": {"id": "Diperiksa", "en": "Reviewed"},
    "wd_sha256": {"id": "SHA-256", "en": "SHA-256"},
    "wd_receipt": {"id": "Tanda terima bertanda tangan", "en": "Signed receipt"},
    "wd_via_token": {"id": "Token", "en": "Token"},
    "wd_back": {"id": "Kembali ke dataset", "en": "Back to the dataset"},
    "wd_hidden_cells": {"id": "Sel kecil disembunyikan untuk publik", "en": "Small cells hidden in public"},
    # the token pages (admin/samawa/views_tokens.py)
    "tokens_title": {"id": "Token API OPD", "en": "OPD API tokens"},
    "tokens_intro": {
        "id": "Token API ditandatangani (Ed25519) dan hanya berlaku untuk dataset dan tindakan yang dipilih, "
        "paling lama 180 hari. Token hanya ditampilkan sekali saat diterbitkan; portal hanya menyimpan "
        "nomornya (jti). Token yang dicabut langsung ditolak pada permintaan berikutnya.",
        "en": "API tokens are signed (Ed25519) and valid only for the chosen datasets and actions, for at "
        "most 180 days. A token is shown once, when it is issued; the portal keeps only its id (jti). A "
        "revoked token is refused from the next request on.",
    },
    "tokens_none": {"id": "Belum ada token.", "en": "No tokens yet."},
    "token_jti": {"id": "Nomor token (jti)", "en": "Token id (jti)"},
    "token_org": {"id": "OPD", "en": "Agency (OPD)"},
    "token_datasets": {"id": "Dataset", "en": "Datasets"},
    "token_actions": {"id": "Tindakan", "en": "Actions"},
    "token_action_submit": {"id": "kirim data (submit)", "en": "submit data"},
    "token_action_read": {"id": "baca status kiriman (read)", "en": "read submission status"},
    "token_status": {"id": "Status", "en": "Status"},
    "token_status_active": {"id": "aktif", "en": "active"},
    "token_status_expired": {"id": "kedaluwarsa", "en": "expired"},
    "token_status_revoked": {"id": "dicabut", "en": "revoked"},
    "token_issued": {"id": "Diterbitkan", "en": "Issued"},
    "token_expires": {"id": "Berlaku sampai", "en": "Valid until"},
    "token_uses_count": {"id": "Dipakai", "en": "Uses"},
    "token_last_use": {"id": "Terakhir dipakai", "en": "Last used"},
    "token_note": {"id": "Catatan", "en": "Note"},
    "token_by": {"id": "oleh", "en": "by"},
    "token_days": {"id": "Masa berlaku (hari, 1–180)", "en": "Lifetime (days, 1–180)"},
    "token_issue": {"id": "Terbitkan token", "en": "Issue a token"},
    "token_issue_help": {
        "id": "Pilih OPD dan dataset milik OPD itu. Tahan Ctrl (atau ⌘) untuk memilih beberapa dataset.",
        "en": "Choose the OPD and datasets it produces. Hold Ctrl (or ⌘) to choose several datasets.",
    },
    "token_choose_org": {"id": "Pilih OPD", "en": "Choose an OPD"},
    "token_no_datasets_yet": {
        "id": "Belum ada dataset. Walidata perlu mendefinisikan dataset sebelum token dapat diterbitkan.",
        "en": "There are no datasets yet. The Walidata defines a dataset before a token can be issued.",
    },
    "token_revoke": {"id": "Cabut", "en": "Revoke"},
    "token_uses": {"id": "Riwayat pemakaian", "en": "Uses"},
    "token_back": {"id": "Kembali ke daftar token", "en": "Back to the token list"},
    "token_shown_once_title": {"id": "Token baru — salin sekarang", "en": "New token — copy it now"},
    "token_shown_once": {
        "id": "Token ini hanya ditampilkan sekali dan tidak disimpan oleh portal. Salin seluruhnya dan "
        "serahkan kepada OPD melalui saluran yang aman. Jika hilang, cabut dan terbitkan yang baru.",
        "en": "This token is shown only once and the portal does not keep it. Copy all of it and hand it to "
        "the OPD over a safe channel. If it is lost, revoke it and issue a new one.",
    },
    "token_copy_hint": {
        "id": "Klik kotak, pilih semua (Ctrl+A), lalu salin (Ctrl+C).",
        "en": "Click the box, select all (Ctrl+A), then copy (Ctrl+C).",
    },
    "token_example": {"id": "Contoh pemakaian", "en": "Example"},
    "token_uses_title": {"id": "Pemakaian token", "en": "Uses of a token"},
    "token_uses_none": {"id": "Token ini belum pernah dipakai.", "en": "This token has not been used yet."},
    "token_use_time": {"id": "Waktu", "en": "Time"},
    "token_use_ip": {"id": "Alamat IP", "en": "IP address"},
    "token_use_dataset": {"id": "Dataset", "en": "Dataset"},
    "token_use_outcome": {"id": "Hasil", "en": "Outcome"},
    "token_uses_note": {
        "id": "Percobaan dengan token palsu atau rusak tidak tercatat di sini (nomornya tidak dapat "
        "dipercaya); semuanya tercatat di log audit sebagai api_token_refused.",
        "en": "Attempts with a forged or damaged token are not listed here (their id cannot be trusted); "
        "all of them are in the audit log as api_token_refused.",
    },
    "token_which": {"id": "Token mana? Buka dari daftar token.", "en": "Which token? Open it from the list."},
    "keys_title": {"id": "Kunci penandatangan", "en": "Signing keys"},
    "keys_intro": {
        "id": "Satu kunci menandatangani token dan tanda terima baru. Setelah rotasi, token yang "
        "ditandatangani kunci lama tetap berlaku sampai kedaluwarsa.",
        "en": "One key signs new tokens and receipts. After a rotation, tokens signed with an old key stay "
        "valid until they expire.",
    },
    "keys_none": {
        "id": "Belum ada kunci; kunci pertama dibuat saat token pertama diterbitkan.",
        "en": "No key yet; the first is made when the first token is issued.",
    },
    "key_kid": {"id": "Kunci (kid)", "en": "Key (kid)"},
    "key_created": {"id": "Dibuat", "en": "Created"},
    "key_current": {"id": "menandatangani", "en": "signing"},
    "key_retired": {"id": "pensiun sejak", "en": "retired since"},
    "key_rotate": {"id": "Rotasi kunci", "en": "Rotate the key"},
    "key_rotated": {
        "id": "Kunci baru {kid} kini menandatangani; token lama tetap berlaku sampai kedaluwarsa.",
        "en": "The new key {kid} signs from now on; older tokens stay valid until they expire.",
    },
    "token_revoked_done": {
        "id": "Token {jti} dicabut dan ditolak sejak permintaan berikutnya.",
        "en": "Token {jti} is revoked and refused from the next request on.",
    },
    # the public data pages (admin/samawa/views_public.py)
    "data_title": {"id": "Data Terbuka Kota Semarang", "en": "Semarang City Open Data"},
    "data_intro": {
        "id": "Data yang diterbitkan OPD Kota Semarang setelah diperiksa Walidata. Bebas dibaca, diunduh dan "
        "dipakai lewat halaman ini, API, klien CKAN, dan Frictionless Data Package.",
        "en": "Data published by Semarang City's agencies (OPD) after the data steward (Walidata) checked "
        "it. Free to read, download and reuse through these pages, the API, CKAN clients and Frictionless "
        "Data Packages.",
    },
    "search_words": {"id": "Kata kunci", "en": "Words"},
    "all_orgs": {"id": "Semua OPD", "en": "All agencies"},
    "topic": {"id": "Topik", "en": "Topic"},
    "all_topics": {"id": "Semua topik", "en": "All topics"},
    "datasets_found": {"id": "dataset ditemukan", "en": "datasets found"},
    "no_datasets": {"id": "Tidak ada dataset yang cocok.", "en": "No dataset matches."},
    "producer": {"id": "Produsen data (OPD)", "en": "Producer (agency)"},
    "license": {"id": "Lisensi", "en": "License"},
    "release_schedule": {"id": "Jadwal rilis", "en": "Release schedule"},
    "version": {"id": "Versi", "en": "Version"},
    "published": {"id": "Diterbitkan", "en": "Published"},
    "rows": {"id": "Baris", "en": "Rows"},
    "metadata": {"id": "Metadata", "en": "Metadata"},
    "table": {"id": "Tabel", "en": "Table"},
    "page_of": {"id": "Halaman {page} dari {pages}", "en": "Page {page} of {pages}"},
    "previous": {"id": "Sebelumnya", "en": "Previous"},
    "next": {"id": "Berikutnya", "en": "Next"},
    "hidden_cell": {"id": "disembunyikan (< {below})", "en": "hidden (< {below})"},
    "suppression_note": {
        "id": "Untuk melindungi kelompok kecil, nilai di bawah {below} pada kolom {fields} disembunyikan.",
        "en": "To protect small groups, values below {below} in {fields} are hidden.",
    },
    "chart": {"id": "Grafik", "en": "Chart"},
    "chart_by_region": {"id": "{value} per wilayah", "en": "{value} by area"},
    "chart_by_year": {"id": "{value} per tahun", "en": "{value} by year"},
    "downloads": {"id": "Unduhan", "en": "Downloads"},
    "current_version": {"id": "Versi terkini", "en": "Current version"},
    "all_versions": {"id": "Semua versi", "en": "All versions"},
    "data_package": {"id": "Frictionless Data Package", "en": "Frictionless Data Package"},
    "api_examples": {"id": "Contoh API", "en": "API examples"},
    "api_help": {
        "id": "Filter dengan kolom=nilai, urutkan dengan sort=kolom atau sort=-kolom, halaman dengan limit "
        "(maks. 1000) dan offset. Klien CKAN memakai /api/3/action/.",
        "en": "Filter with field=value, sort with sort=field or sort=-field, page with limit (max. 1000) "
        "and offset. CKAN clients use /api/3/action/.",
    },
    "sha256": {"id": "SHA-256", "en": "SHA-256"},
    "no_rows": {"id": "Versi ini tidak memuat baris.", "en": "This version has no rows."},
    "data_nav": {"id": "Data", "en": "Data"},
}

# TokenError key → the Indonesian of its English template (same {fields}; a test checks).
TOKEN_REFUSALS: dict[str, str] = {
    "token_days_invalid": "masa berlaku harus bilangan bulat hari dari 1 sampai {maximum}, bukan {raw!r}",
    "token_days_too_long": "token paling lama berlaku {maximum} hari, bukan {days}: terbitkan baru nanti",
    "token_unknown_org": "OPD {code!r} tidak ada",
    "token_no_dataset": "pilih paling sedikit satu dataset yang boleh dikirim dengan token ini",
    "token_too_many_datasets": "paling banyak {maximum} dataset per token",
    "token_bad_slug": "{slug!r} bukan nama dataset (huruf kecil, angka dan '-')",
    "token_unknown_dataset": "dataset {slug!r} tidak ada",
    "token_dataset_of_other_org": "dataset {slug!r} diproduksi oleh OPD {owner}, bukan oleh {code}",
    "token_no_action": "pilih paling sedikit satu tindakan ({actions})",
    "token_unknown_action": "tindakan {action!r} tidak dikenal; tindakan yang ada: {actions}",
    "token_note_too_long": "catatan lebih dari {maximum} karakter",
    "token_bad_jti": "{raw!r} bukan nomor token (UUID seperti 3f2c0b9e-...)",
    "token_unknown": "tidak ada token {jti}",
    "token_already_revoked": "token {jti} sudah dicabut pada {when} oleh {who}",
}
