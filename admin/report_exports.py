"""The usage report as CSV (UTF-8 with a BOM for Excel, safe against formula injection) and as PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from fpdf import FPDF

from admin.i18n import human_bytes
from admin.report_charts import ranking_bars, share_bar, trend_bars

Translate = Callable[[str], str]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "section",
    "name",
    "depth",
    "requests",
    "blocked",
    "bytes_up",
    "bytes_down",
    "bytes",
    "active_minutes",
)


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def report_title(report: dict[str, Any], _: Translate) -> str:
    subject = report["subject"]
    if subject["kind"] == "city":
        who = _("subject_city")
    elif subject["kind"] == "org":
        who = f"OPD {subject['key']} {subject['name']}".strip()
    else:
        who = f"{subject['key']} {subject['name']}".strip() + (
            f" ({subject['org_code']})" if subject["org_code"] else ""
        )
    period = report["period"]
    days = period["first"] if period["first"] == period["last"] else f"{period['first']} - {period['last']}"
    return f"{_('report_heading')}: {who}, {days}"


def _rows(report: dict[str, Any]) -> Iterator[tuple[object, ...]]:
    def row(section: str, name: str, values: dict[str, Any], depth: object = "") -> tuple[object, ...]:
        return (section, name, depth, *(values.get(c, "") for c in CSV_COLUMNS[3:]))

    yield row("total", "", report["totals"])
    yield row("office_hours", report["office_hours"], report["office"]["office"])
    yield row("after_hours", "", report["office"]["after"])
    for point in report["trend"]["points"]:
        yield row(f"trend_{report['trend']['unit']}", point["label"], point)
    for host in report["hosts"]:
        yield row("host", host["host"], host)
    for category in report["categories"]:
        yield row("category", category["category"], category)
    for org in report["orgs"]:
        yield row("opd", f"{org['code']} {org['name']}", org, org["depth"])
    yield ("quota_refused", "", "", report["quota"]["refused"], "", "", "", "", "")
    yield ("quota_notices", "", "", report["quota"]["notices"], "", "", "", "", "")


def report_csv(report: dict[str, Any], _: Translate) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    period = report["period"]
    for line in (
        (_("report_heading"), report_title(report, _)),
        ("period", period["kind"], period["first"], period["last"], period["timezone"]),
        ("office_hours", report["office_hours"]),
        ("active_time", _("report_active_definition")),
        ("generated_at", report["generated_at"]),
        (),
        CSV_COLUMNS,
        *_rows(report),
    ):
        writer.writerow([safe_cell(v) for v in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def latin(text: object) -> str:
    """The PDF's core fonts hold Latin-1 only: anything else (attacker-chosen host names too) becomes '?'."""
    return str(text).replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


class ReportPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = title
        self.set_title(latin(title))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def line_of(self, text: str, size: float = 9, style: str = "", height: float = 5) -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, height, latin(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.line_of(text, 11, "B", 6)

    def grid(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("Helvetica", "B", 8)
        for header, width in zip(headers, widths, strict=True):
            self.cell(width, 5, latin(header), border="B")
        self.ln()
        self.set_font("Helvetica", "", 8)
        for row in rows:
            for i, (value, width) in enumerate(zip(row, widths, strict=True)):
                self.cell(width, 5, latin(value)[:70], align="L" if i == 0 else "R")
            self.ln()


def _draw_trend(pdf: ReportPDF, report: dict[str, Any]) -> None:
    width, height = pdf.epw, 40.0
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_draw_color(200, 200, 200)
    pdf.line(x0, y0 + height, x0 + width, y0 + height)
    pdf.set_font("Helvetica", "", 6)
    for bar in trend_bars(report["trend"]["points"], width, height):
        if bar.height > 0:
            pdf.set_fill_color(70, 120, 180)
            pdf.rect(x0 + bar.x, y0 + bar.y, bar.width, bar.height - bar.up, style="F")
            pdf.set_fill_color(230, 140, 60)
            pdf.rect(x0 + bar.x, y0 + height - bar.up, bar.width, bar.up, style="F")
        if bar.show_label:
            pdf.text(x0 + bar.x, y0 + height + 3, latin(bar.label))
    pdf.set_y(y0 + height + 5)


def _draw_share(pdf: ReportPDF, report: dict[str, Any], _: Translate) -> None:
    office, after = report["office"]["office"], report["office"]["after"]
    parts = [
        ("office", _("report_office_hours"), office["bytes"]),
        ("after", _("report_after_hours"), after["bytes"]),
    ]
    x0, y0 = pdf.l_margin, pdf.get_y()
    colours = {"office": (70, 150, 90), "after": (150, 90, 160)}
    for share in share_bar(parts, pdf.epw):
        if share.width > 0:
            pdf.set_fill_color(*colours[share.key])
            pdf.rect(x0 + share.x, y0, share.width, 6, style="F")
    pdf.set_y(y0 + 7)
    pdf.line_of(
        " / ".join(
            f"{s.label}: {human_bytes(s.value)} ({s.percent:.1f} %)" for s in share_bar(parts, pdf.epw)
        ),
        8,
    )


def _draw_ranking(pdf: ReportPDF, rows: list[dict[str, Any]], name: str) -> None:
    label_width = 60.0
    for row, length in zip(rows, ranking_bars(rows, pdf.epw - label_width - 25), strict=True):
        y = pdf.get_y()
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(label_width, 5, latin(row[name])[:40])
        pdf.set_fill_color(70, 120, 180)
        if length > 0:
            pdf.rect(pdf.l_margin + label_width, y + 1, length, 3, style="F")
        pdf.set_x(pdf.l_margin + pdf.epw - 25)
        pdf.cell(25, 5, human_bytes(row["bytes"]), align="R")
        pdf.ln()


def report_pdf(report: dict[str, Any], _: Translate, category_name: Callable[[dict[str, Any]], str]) -> bytes:
    title = report_title(report, _)
    pdf = ReportPDF(title)
    pdf.add_page()
    pdf.line_of(_("report_city_name"), 9, "B")
    pdf.line_of(title, 14, "B", 7)
    period = report["period"]
    days = f"{period['first']} - {period['last']} ({period['timezone']})"
    pdf.line_of(f"{_('report_period')}: {_('period_' + period['kind'])}, {days}")
    pdf.line_of(f"{_('report_generated_at')}: {report['generated_at']}")

    totals = report["totals"]
    pdf.heading(_("report_bytes"))
    pdf.grid(
        [_("report_bytes"), _("bytes_up"), _("bytes_down"), _("requests"), _("blocked"),
         _("report_active_time")],
        [[human_bytes(totals["bytes"]), human_bytes(totals["bytes_up"]), human_bytes(totals["bytes_down"]),
          str(totals["requests"]), str(totals["blocked"]), active_time(totals["active_minutes"], _)]],
        [30, 30, 30, 30, 25, 35],
    )  # fmt: skip
    if report["subject"]["kind"] != "employee":
        pdf.line_of(f"{_('report_employees_active')}: {totals['employees']}", 8)

    pdf.heading(_("report_trend_hour") if report["trend"]["unit"] == "hour" else _("report_trend_day"))
    _draw_trend(pdf, report)
    pdf.line_of(f"{_('bytes_down')}: blue / {_('bytes_up')}: orange", 7)

    pdf.heading(f"{_('report_office_hours')} / {_('report_after_hours')}")
    _draw_share(pdf, report, _)
    pdf.line_of(
        _("report_office_definition").format(hours=report["office_hours"], timezone=period["timezone"]), 7
    )

    pdf.heading(_("report_top_categories"))
    categories = [{**c, "label": category_name(c)} for c in report["categories"]]
    _draw_ranking(pdf, categories, "label")
    pdf.heading(_("report_top_hosts"))
    _draw_ranking(pdf, report["hosts"], "host")

    pdf.heading(_("report_quota_events"))
    pdf.line_of(f"{_('report_quota_refused')}: {report['quota']['refused']}")
    pdf.line_of(f"{_('report_quota_notices')}: {report['quota']['notices']}")
    pdf.line_of(f"{_('blocked')}: {totals['blocked']}")

    if report["orgs"]:
        pdf.heading(_("report_hierarchy"))
        pdf.grid(
            [_("org"), _("report_employees_active"), _("requests"), _("report_bytes")],
            [["    " * int(o["depth"]) + f"{o['code']} {o['name']}", str(o["employees"]), str(o["requests"]),
              human_bytes(o["bytes"])] for o in report["orgs"]],
            [95, 30, 25, 30],
        )  # fmt: skip

    pdf.ln(3)
    pdf.line_of(_("report_active_definition"), 7)
    pdf.line_of(_("report_source"), 7)
    return bytes(pdf.output())


def active_time(minutes: int, _: Translate) -> str:
    if minutes < 120:
        return f"{minutes} {_('report_minutes')}"
    return f"{minutes / 60:.1f} {_('report_hours_short')}"
