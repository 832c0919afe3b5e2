"""The URL map and the one table that says which roles may use each route."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from admin.directory import ROLES
from admin.keys import PUBLIC
from admin.samawa import routes_public, routes_tokens, routes_walidata
from admin.views import addresses, auth, ca, exceptions, lists, pac, quotas, rules, schedules, usage, why
from admin.views import alerts as alert_views
from admin.views import reports as report_views
from admin.views.audit_log import audit_log_page
from admin.views.dashboard import dashboard_page, live_stream
from admin.views.inspect import inspect_api, inspect_csv, inspect_detail, inspect_form
from admin.views.my_usage import my_usage

STATIC_DIR = Path(__file__).parent / "static"
ADMIN = frozenset({"admin"})
REPORT_READERS = frozenset({"admin", "hr", "inspector"})  # each within their scope (admin/access.py)
SIGNED_IN = frozenset(ROLES)  # any employee with an account
INSPECTOR = frozenset({"inspector"})  # per-request detail of a named employee, for a case
AUDIT_READERS = frozenset({"admin", "inspector"})

# route name → roles allowed (PUBLIC: anyone). A route missing here is refused (see security.authorize).
ROUTE_ROLES: Mapping[str, frozenset[str]] = {
    "home": PUBLIC,
    "login_form": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "language": PUBLIC,
    "static": PUBLIC,
    "ca": PUBLIC,
    "ca_pem": PUBLIC,
    "ca_der": PUBLIC,
    "usage": ADMIN,
    "api_usage": ADMIN,
    # the live dashboard and its event stream (the whole city: a role limited to an OPD is refused)
    "dashboard": ADMIN,
    "api_live": ADMIN,
    # exception requests
    "exception_new": SIGNED_IN,
    "exception_submit": SIGNED_IN,
    "exception_mine": SIGNED_IN,
    "exception_review": ADMIN,
    "exception_decide": ADMIN,
    # policy pages
    "policy_lists": ADMIN,
    "policy_list_upload": ADMIN,
    "policy_list_rollback": ADMIN,
    "policy_category_action": ADMIN,
    "policy_rules": ADMIN,
    "policy_rule_add": ADMIN,
    "policy_rule_enabled": ADMIN,
    "policy_rule_move": ADMIN,
    "policy_rule_delete": ADMIN,
    "policy_schedules": ADMIN,
    "policy_why": ADMIN,
    "policy_schedule_add": ADMIN,
    "policy_holiday_add": ADMIN,
    "policy_holiday_remove": ADMIN,
    "policy_schedule_change": ADMIN,
    "policy_schedule_delete": ADMIN,
    # devices and addresses (transparent gateway)
    "network_addresses": ADMIN,
    "network_address_bind": ADMIN,
    "network_address_unbind": ADMIN,
    # quotas: admins manage them; every employee sees their own
    "quotas": ADMIN,
    "quota_add": ADMIN,
    "quota_remove": ADMIN,
    "quota_mine": SIGNED_IN,
    # roles and access: the audit log; the inspector's detail (each view audited, within their scope);
    # every employee's own usage
    "audit_log": AUDIT_READERS,
    "inspect_form": INSPECTOR,
    "inspect_detail": INSPECTOR,
    "inspect_csv": INSPECTOR,
    "api_inspect_detail": INSPECTOR,
    "my_usage": SIGNED_IN,
    # usage reports and the archive of scheduled ones, within the reader's scope; a named employee's audited
    "reports": REPORT_READERS,
    "report_view": REPORT_READERS,
    "report_csv": REPORT_READERS,
    "report_pdf": REPORT_READERS,
    "api_report": REPORT_READERS,
    "report_archive": REPORT_READERS,
    "report_archive_view": REPORT_READERS,
    "report_archive_file": REPORT_READERS,
    # anomaly alerts: admins decide and act; inspectors read (each within their scope, each look audited)
    "alerts": frozenset({"admin", "inspector"}),
    "alert_detail": frozenset({"admin", "inspector"}),
    "alert_status": ADMIN,
    "alert_action": ADMIN,
    # proxy auto-configuration: devices fetch it before anyone signs in
    "pac": PUBLIC,
    "wpad": PUBLIC,
    # SAMAWA: each part's routes and roles live beside its views
    **routes_tokens.ROUTE_ROLES,
    **routes_walidata.ROUTE_ROLES,
    **routes_public.ROUTE_ROLES,
}

# route name → the most bytes a request body may have, where that is more than app.MAX_BODY_BYTES.
BODY_LIMITS: Mapping[str, int] = {
    # policy pages: a TRUST+ Positif list is about 50 MB as domains and grows; hosts-format lists repeat
    # an address on every line. 200 MB takes those with room to spare and still bounds the disk a
    # (signed-in admin's) upload can fill: aiohttp spools it to a temporary file, we copy it once more.
    "policy_list_upload": 200 * 1024 * 1024,
    **routes_tokens.BODY_LIMITS,
    **routes_walidata.BODY_LIMITS,
    **routes_public.BODY_LIMITS,
}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", auth.home, name="home")
    r.add_get("/masuk", auth.login_form, name="login_form")
    r.add_post("/masuk", auth.login, name="login")
    r.add_post("/keluar", auth.logout, name="logout")
    r.add_post("/bahasa", auth.set_language, name="language")
    r.add_get("/penggunaan", usage.usage_page, name="usage")
    r.add_get("/api/v1/usage/today", usage.usage_api, name="api_usage")
    r.add_get("/dasbor", dashboard_page, name="dashboard")
    r.add_get("/api/v1/live", live_stream, name="api_live", allow_head=False)  # an endless event stream
    r.add_get("/ca", ca.ca_page, name="ca")
    r.add_get("/ca/smedi-ca.pem", ca.ca_pem, name="ca_pem")
    r.add_get("/ca/smedi-ca.cer", ca.ca_der, name="ca_der")
    # exception requests
    r.add_get("/pengecualian/baru", exceptions.new_form, name="exception_new")
    r.add_post("/pengecualian/baru", exceptions.submit, name="exception_submit")
    r.add_get("/pengecualian/saya", exceptions.mine, name="exception_mine")
    r.add_get("/pengecualian", exceptions.review, name="exception_review")
    r.add_post("/pengecualian/putusan", exceptions.decide, name="exception_decide")
    # policy pages: a form that fails shows its page again with the reason and the typed values (400); one
    # that works redirects to its page, except an upload, which shows what it read.
    r.add_get("/kebijakan/daftar", lists.lists_page, name="policy_lists")
    r.add_post("/kebijakan/daftar", lists.upload_list, name="policy_list_upload")
    r.add_post("/kebijakan/daftar/kembalikan", lists.roll_back_list, name="policy_list_rollback")
    r.add_post("/kebijakan/daftar/tindakan", lists.set_category_action, name="policy_category_action")
    r.add_get("/kebijakan/aturan", rules.rules_page, name="policy_rules")
    r.add_post("/kebijakan/aturan", rules.add_rule_form, name="policy_rule_add")
    r.add_post("/kebijakan/aturan/status", rules.set_rule_enabled, name="policy_rule_enabled")
    r.add_post("/kebijakan/aturan/pindah", rules.move_rule_form, name="policy_rule_move")
    r.add_post("/kebijakan/aturan/hapus", rules.delete_rule_form, name="policy_rule_delete")
    r.add_get("/kebijakan/jadwal", schedules.schedules_page, name="policy_schedules")
    r.add_get("/kebijakan/mengapa", why.why, name="policy_why")
    r.add_post("/kebijakan/jadwal", schedules.add_schedule_form, name="policy_schedule_add")
    r.add_post("/kebijakan/jadwal/libur", schedules.add_holiday_form, name="policy_holiday_add")
    r.add_post("/kebijakan/jadwal/libur/hapus", schedules.remove_holiday_form, name="policy_holiday_remove")
    r.add_post("/kebijakan/jadwal/ubah", schedules.change_schedule_form, name="policy_schedule_change")
    r.add_post("/kebijakan/jadwal/hapus", schedules.delete_schedule_form, name="policy_schedule_delete")
    # devices and addresses (transparent gateway); the PAC file under the names browsers look for
    r.add_get("/jaringan/alamat", addresses.addresses_page, name="network_addresses")
    r.add_post("/jaringan/alamat", addresses.bind_form, name="network_address_bind")
    r.add_post("/jaringan/alamat/hapus", addresses.unbind_form, name="network_address_unbind")
    # quotas
    r.add_get("/kuota", quotas.quotas_page, name="quotas")
    r.add_post("/kuota", quotas.add_form, name="quota_add")
    r.add_post("/kuota/hapus", quotas.remove_form, name="quota_remove")
    r.add_get("/kuota/saya", quotas.mine, name="quota_mine")
    # roles and access
    r.add_get("/audit", audit_log_page, name="audit_log")
    r.add_get("/pemeriksaan", inspect_form, name="inspect_form")
    r.add_get("/pemeriksaan/rincian", inspect_detail, name="inspect_detail")
    r.add_get("/pemeriksaan/rincian.csv", inspect_csv, name="inspect_csv")
    r.add_get("/api/v1/inspect/detail", inspect_api, name="api_inspect_detail")
    r.add_get("/penggunaan/saya", my_usage, name="my_usage")
    # usage reports
    r.add_get("/laporan", report_views.choose, name="reports")
    r.add_get("/laporan/lihat", report_views.view, name="report_view")
    r.add_get("/laporan/unduh.csv", report_views.export_csv, name="report_csv")
    r.add_get("/laporan/unduh.pdf", report_views.export_pdf, name="report_pdf")
    r.add_get("/api/v1/reports/usage", report_views.api_report, name="api_report")
    r.add_get("/laporan/arsip", report_views.archive, name="report_archive")
    r.add_get("/laporan/arsip/lihat", report_views.archive_view, name="report_archive_view")
    r.add_get("/laporan/arsip/unduh", report_views.archive_file, name="report_archive_file")
    # anomaly alerts
    r.add_get("/peringatan", alert_views.alerts_page, name="alerts")
    r.add_get("/peringatan/lihat", alert_views.alert_page, name="alert_detail")
    r.add_post("/peringatan/status", alert_views.status_form, name="alert_status")
    r.add_post("/peringatan/tindakan", alert_views.action_form, name="alert_action")
    r.add_get("/proxy.pac", pac.pac_file, name="pac")
    r.add_get("/wpad.dat", pac.pac_file, name="wpad")
    r.add_static("/static/", STATIC_DIR, name="static")
    for part in (routes_tokens, routes_walidata, routes_public):
        part.setup_routes(app)
