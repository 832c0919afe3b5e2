"""The live dashboard's words (its template and admin/static/dashboard.js), merged into CATALOGUE."""

from __future__ import annotations

DASHBOARD_CATALOGUE: dict[str, dict[str, str]] = {
    "dashboard_title": {"id": "Dasbor langsung", "en": "Live dashboard"},
    "dashboard_intro": {
        "id": "Lalu lintas seluruh kota seperti yang dicatat proksi, diperbarui setiap detik. Daftar teratas "
        "menjumlahkan penyumbang terbesar setiap kumpulan catatan; total, blokir dan laju data tepat.",
        "en": "The whole city's traffic as the proxies record it, updated every second. The top lists add "
        "up the largest contributors of each batch of records; totals, blocked requests and throughput are "
        "exact.",
    },
    "dashboard_connecting": {"id": "Menghubungkan…", "en": "Connecting…"},
    "dashboard_live": {"id": "Langsung", "en": "Live"},
    "dashboard_reconnecting": {"id": "Terputus, menghubungkan lagi…", "en": "Disconnected, reconnecting…"},
    "dashboard_updated": {"id": "Diperbarui", "en": "Updated"},
    "dashboard_noscript": {
        "id": "Dasbor ini memerlukan JavaScript untuk menerima pembaruan langsung.",
        "en": "This dashboard needs JavaScript to receive live updates.",
    },
    "dashboard_throughput": {"id": "Laju data", "en": "Throughput"},
    "dashboard_throughput_5": {"id": "Laju data, 5 menit terakhir", "en": "Throughput, last 5 minutes"},
    "dashboard_throughput_60": {"id": "Laju data, 60 menit terakhir", "en": "Throughput, last 60 minutes"},
    "dashboard_in": {"id": "Masuk (unduh)", "en": "In (download)"},
    "dashboard_out": {"id": "Keluar (unggah)", "en": "Out (upload)"},
    "dashboard_per_second": {"id": "per detik", "en": "per second"},
    "dashboard_active": {"id": "Pegawai aktif", "en": "Active employees"},
    "dashboard_blocked": {"id": "Permintaan diblokir", "en": "Blocked requests"},
    "dashboard_requests": {"id": "Permintaan", "en": "Requests"},
    "dashboard_open_alerts": {"id": "Peringatan terbuka", "en": "Open alerts"},
    "dashboard_alerts_stale": {
        "id": "Basis data tidak menjawab: angka peringatan mungkin sudah lama.",
        "en": "The database does not answer: the alert figures may be out of date.",
    },
    "dashboard_no_alerts": {"id": "Tidak ada peringatan terbuka.", "en": "No open alerts."},
    "dashboard_last_5": {"id": "5 menit terakhir", "en": "Last 5 minutes"},
    "dashboard_last_60": {"id": "60 menit terakhir", "en": "Last 60 minutes"},
    "dashboard_top_orgs": {"id": "OPD teratas", "en": "Top agencies (OPD)"},
    "dashboard_top_employees": {"id": "Pegawai teratas", "en": "Top employees"},
    "dashboard_top_hosts": {"id": "Host teratas", "en": "Top hosts"},
    "dashboard_top_categories": {"id": "Kategori teratas", "en": "Top categories"},
    "dashboard_nothing": {"id": "Belum ada lalu lintas.", "en": "No traffic yet."},
    "dashboard_not_signed_in": {"id": "(belum masuk)", "en": "(not signed in)"},
    "dashboard_no_org": {"id": "(tanpa OPD)", "en": "(no agency)"},
    "dashboard_no_category": {"id": "(tanpa kategori)", "en": "(no category)"},
    "dashboard_severity_low": {"id": "rendah", "en": "low"},
    "dashboard_severity_medium": {"id": "sedang", "en": "medium"},
    "dashboard_severity_high": {"id": "tinggi", "en": "high"},
    "dashboard_status_new": {"id": "baru", "en": "new"},
    "dashboard_status_acknowledged": {"id": "diketahui", "en": "acknowledged"},
}
