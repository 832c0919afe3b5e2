"""The token pages' words, Indonesian first, and the token store's refusals in Indonesian."""

from __future__ import annotations

from collections.abc import Callable

from admin.i18n import translator
from admin.samawa.token_store import TokenError

TOKENS_CATALOGUE: dict[str, dict[str, str]] = {
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
}

# TokenError key → the Indonesian of its English template (same {fields}; a test checks).
TOKEN_ERRORS_ID: dict[str, str] = {
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


def error_text(error: Exception, lang: str) -> str:
    if isinstance(error, TokenError) and lang != "en":
        return TOKEN_ERRORS_ID[error.key].format(**error.params)
    return str(error)


def tokens_translator(lang: str) -> Callable[[str | Exception], str]:
    """`_` for the token pages: their own words and refusals first, then the portal's catalogue."""
    base = translator(lang)

    def translate(key: str | Exception) -> str:
        if isinstance(key, TokenError):
            return error_text(key, lang)
        if isinstance(key, str) and key in TOKENS_CATALOGUE:
            entry = TOKENS_CATALOGUE[key]
            return entry.get(lang) or entry["id"]
        return base(key)

    return translate
