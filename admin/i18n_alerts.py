"""The catalogue entries and refusals of the anomaly alert pages (/peringatan).

Merged into admin.i18n.CATALOGUE and REFUSALS (Bahasa Indonesia first, English as a choice); kept here so
that the alert pages have their words in one place.
"""

from __future__ import annotations

DETECTOR_NAMES: dict[str, tuple[str, str, str, str]] = {
    # detector → (name id, name en, about id, about en)
    "volume_spike": (
        "Lonjakan volume", "Volume spike",
        "Satu jam dengan lalu lintas jauh di atas kebiasaan pegawai ini pada jam yang sama.",
        "An hour with far more traffic than this employee's habit at the same hour.",
    ),
    "upload_spike": (
        "Lonjakan unggahan", "Upload spike",
        "Unggahan jauh di atas kebiasaan, atau lebih banyak mengunggah daripada mengunduh: kemungkinan data "
        "keluar dari jaringan.",
        "Uploads far above habit, or more uploaded than downloaded: possibly data leaving the network.",
    ),
    "after_hours": (
        "Aktivitas di luar jam kerja", "Activity outside office hours",
        "Lalu lintas pada jam ketika pegawai ini biasanya tidak daring, di luar jam kerja.",
        "Traffic at an hour this employee is normally offline, outside office hours.",
    ),
    "new_domains": (
        "Lonjakan domain baru", "Burst of never-seen domains",
        "Banyak situs yang belum pernah dikunjungi pegawai ini dalam satu jam (malware, pemindaian).",
        "Many sites this employee never visited before, in one hour (malware, scanning).",
    ),
    "blocked_attempts": (
        "Percobaan berulang ke situs terblokir", "Repeated attempts at blocked sites",
        "Banyak permintaan yang ditolak kebijakan dalam satu jam, jauh di atas kebiasaan.",
        "Many requests refused by policy in one hour, far above habit.",
    ),
    "streaming_office_hours": (
        "Streaming berat pada jam kerja", "Heavy streaming in office hours",
        "Video streaming dalam jumlah besar pada jam kerja.",
        "A large amount of video streaming in office hours.",
    ),
}  # fmt: skip

ALERTS_CATALOGUE: dict[str, dict[str, str]] = {
    "alerts_title": {"id": "Peringatan", "en": "Alerts"},
    "alerts_intro": {
        "id": "Aktivitas menyimpang yang ditandai detektor, dibandingkan dengan kebiasaan setiap pegawai "
        "selama empat minggu terakhir. Setiap pembukaan peringatan dicatat di log audit.",
        "en": "Deviant activity flagged by the detectors, each employee against their own habits over the "
        "last four weeks. Every look at an alert is written to the audit log.",
    },
    "alerts_open": {"id": "Terbuka", "en": "Open"},
    "alerts_all": {"id": "Semua", "en": "All"},
    "alerts_filter": {"id": "Saring", "en": "Filter"},
    "alerts_none": {"id": "Tidak ada peringatan.", "en": "No alerts."},
    "alerts_more": {
        "id": "Hanya {limit} peringatan terbaru yang ditampilkan.",
        "en": "Only the newest {limit} alerts are shown.",
    },
    "alert_severity": {"id": "Tingkat", "en": "Severity"},
    "alert_detector": {"id": "Detektor", "en": "Detector"},
    "alert_when": {"id": "Waktu", "en": "Time"},
    "severity_low": {"id": "rendah", "en": "low"},
    "severity_medium": {"id": "sedang", "en": "medium"},
    "severity_high": {"id": "tinggi", "en": "high"},
    "alert_status_new": {"id": "baru", "en": "new"},
    "alert_status_acknowledged": {"id": "ditangani", "en": "acknowledged"},
    "alert_status_resolved": {"id": "selesai", "en": "resolved"},
    "alert_status_false_positive": {"id": "alarm palsu", "en": "false positive"},
    "alert_title": {"id": "Peringatan #{id}", "en": "Alert #{id}"},
    "alert_evidence": {"id": "Bukti", "en": "Evidence"},
    "evidence_value": {"id": "Nilai", "en": "Value"},
    "evidence_score": {"id": "Simpangan (kali sebaran)", "en": "Deviation (spreads)"},
    "evidence_bytes_down": {"id": "Unduh", "en": "Download"},
    "evidence_up_down_ratio": {"id": "Rasio unggah/unduh", "en": "Upload/download ratio"},
    "evidence_usual_up_down_ratio": {"id": "Rasio biasa", "en": "Usual ratio"},
    "evidence_requests": {"id": "Permintaan", "en": "Requests"},
    "evidence_hosts": {"id": "Situs dalam jam itu", "en": "Hosts in that hour"},
    "evidence_known_hosts": {"id": "Situs yang dikenal", "en": "Hosts known from before"},
    "evidence_threshold": {"id": "Ambang", "en": "Threshold"},
    "evidence_local_time": {"id": "Waktu setempat", "en": "Local time"},
    "evidence_reasons": {"id": "Alasan", "en": "Reasons"},
    "evidence_categories": {"id": "Kategori yang diblokir", "en": "Blocked categories"},
    "evidence_examples": {"id": "Contoh situs baru", "en": "Examples of new hosts"},
    "alert_baseline": {"id": "Kebiasaan (jam yang sama)", "en": "Baseline (same hour)"},
    "alert_baseline_median": {"id": "median", "en": "median"},
    "alert_baseline_spread": {"id": "sebaran", "en": "spread"},
    "alert_baseline_samples": {"id": "{samples} sampel", "en": "{samples} samples"},
    "alert_chart": {
        "id": "Jam-jam pegawai dibanding kebiasaannya",
        "en": "The employee's hours against their baseline",
    },
    "alert_chart_value": {"id": "jam ini", "en": "this hour"},
    "alert_chart_median": {"id": "biasanya (median)", "en": "usual (median)"},
    "alert_chart_upper": {"id": "median + 3 sebaran", "en": "median + 3 spreads"},
    "alert_chart_max": {"id": "puncak", "en": "peak"},
    "alert_top_hosts": {"id": "Situs teratas", "en": "Top hosts"},
    "alert_host": {"id": "Situs", "en": "Host"},
    "alert_block_domain": {"id": "Blokir domain", "en": "Block domain"},
    "alert_unblock_domain": {"id": "Buka blokir", "en": "Unblock"},
    "alert_decision": {"id": "Keputusan", "en": "Decision"},
    "alert_to_acknowledged": {"id": "Tangani", "en": "Acknowledge"},
    "alert_to_resolved": {"id": "Selesai", "en": "Resolve"},
    "alert_to_false_positive": {"id": "Alarm palsu", "en": "False positive"},
    "alert_note_help": {
        "id": "Menutup peringatan (selesai, alarm palsu) memerlukan catatan. Peringatan yang ditutup dapat "
        "dibuka lagi.",
        "en": "Closing an alert (resolved, false positive) needs a note. A closed alert can be opened again.",
    },
    "alert_read_only": {"id": "Anda hanya dapat membaca peringatan.", "en": "You may read alerts only."},
    "alert_actions": {"id": "Tindakan", "en": "Actions"},
    "alert_suspended_until": {
        "id": "Internet pegawai ini ditangguhkan sampai {until}",
        "en": "This employee's internet is suspended until {until}",
    },
    "alert_lift": {"id": "Cabut penangguhan", "en": "Lift the suspension"},
    "alert_suspend_duration": {"id": "Lama (mis. 30m, 4h, 2d)", "en": "For (e.g. 30m, 4h, 2d)"},
    "alert_suspend_reason": {"id": "Alasan (dibaca pegawai)", "en": "Reason (the employee reads it)"},
    "alert_suspend": {"id": "Tangguhkan internet", "en": "Suspend internet"},
    "alert_no_quota": {"id": "Tidak ada kuota untuk pegawai ini.", "en": "No quota on this employee."},
    "alert_apply_quota": {"id": "Terapkan kuota", "en": "Apply a quota"},
    "alert_leases": {
        "id": "Perangkat yang masuk (portal tawanan)",
        "en": "Signed-in devices (captive portal)",
    },
    "alert_end_lease": {"id": "Akhiri sesi perangkat", "en": "End the device sessions"},
    "alert_leases_none": {"id": "Tidak ada perangkat yang masuk.", "en": "No device signed in."},
    "alert_history": {"id": "Riwayat tindakan", "en": "Actions taken"},
    "alert_no_actions": {"id": "Belum ada tindakan.", "en": "No action yet."},
    "alert_actor": {"id": "Oleh", "en": "By"},
    "alert_action": {"id": "Tindakan", "en": "Action"},
    "alert_target": {"id": "Sasaran", "en": "Target"},
}
for _detector, (_name_id, _name_en, _about_id, _about_en) in DETECTOR_NAMES.items():
    ALERTS_CATALOGUE[f"detector_{_detector}"] = {"id": _name_id, "en": _name_en}
    ALERTS_CATALOGUE[f"detector_{_detector}_about"] = {"id": _about_id, "en": _about_en}

ALERTS_REFUSALS: dict[str, str] = {
    "alert_unknown": "tidak ada peringatan nomor {alert_id}",
    "alert_status_unknown": "status {status!r} tidak dikenal",
    "alert_status_move": "peringatan berstatus {current} tidak dapat menjadi {status}",
    "alert_status_changed": "peringatan ini sudah berubah (kini {current}): periksa lagi",
    "alert_note_required": "tuliskan alasannya di catatan saat menutup peringatan",
    "alert_note_too_long": "catatan lebih dari {max_length} karakter",
    "alert_no_employee": "peringatan ini tidak menyebut pegawai",
    "alert_reason_required": "tuliskan alasan yang akan dibaca pegawai",
    "alert_reason_too_long": "alasan lebih dari {max_length} karakter",
    "alert_duration": "lama: dari 1 menit sampai {max_days} hari, mis. 30m, 4h, 2d; bukan {raw!r}",
    "alert_not_suspended": "internet pegawai ini tidak sedang ditangguhkan",
    "alert_domain_invalid": "bukan domain: {domain!r}",
    "alert_domain_already": "{domain} sudah diblokir",
    "alert_domain_not_blocked": "{domain} tidak ada di daftar blokir",
    "alert_no_lease": "pegawai ini tidak punya sesi perangkat di portal tawanan",
    "alert_action_unknown": "tindakan {action!r} tidak dikenal",
}
