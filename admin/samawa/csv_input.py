"""Read an OPD's CSV upload into header + rows of text, as Excel writes it in Indonesia.

UTF-8 with or without a BOM; `,` or `;` as the delimiter (Excel with Indonesian regional settings writes
`;` because `,` is the decimal mark), sniffed from the header line; quoted fields may hold newlines.
A file that is not UTF-8 is refused whole (CsvError naming the byte); ragged rows are reported one error
each and kept, so that row numbers stay those of the file and every other error is still found.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from admin.samawa import SamawaError
from admin.samawa.table_schema import RowError

DELIMITERS = (",", ";")


class CsvError(SamawaError):
    """The upload cannot be read as CSV at all (encoding, empty file, broken quoting)."""


@dataclass
class CsvTable:
    header: list[str]
    rows: list[dict[str, str]]  # header name → cell text; row i is data row i + 1
    errors: list[RowError] = field(default_factory=list)


def read_csv(data: bytes) -> CsvTable:
    """Header and rows of a CSV upload; whole-file problems raise CsvError, row problems are listed."""
    text = _decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells = next(reader, None)
        if header_cells is None or not any(c.strip() for c in header_cells):
            raise CsvError("the CSV file is empty: the first line must name the columns")
        # Excel users pad headers with spaces ("jumlah ") that nobody sees: the names are compared trimmed.
        header = [c.strip() for c in header_cells]
        while not header[-1]:
            header.pop()  # Excel writes "a;b;" when an empty column was once formatted: not a column
        errors = _header_errors(header)
        width = len(header)
        rows: list[dict[str, str]] = []
        for cells in reader:
            if not any(cells):
                continue  # an empty line or ";;;" (Excel leaves some at the end): no data, not a row
            if len(cells) > width and not any(cells[width:]):
                cells = cells[:width]  # the trailing empty cells of that formatted column
            if len(cells) != width:
                errors.append(
                    RowError(
                        len(rows) + 1,
                        None,
                        "ragged_row",
                        f"the row has {len(cells)} values but the header has {width} columns",
                    )
                )
                # Kept, padded or cut to the header, so its other cells are still checked.
                cells = (cells + [""] * width)[:width]
            rows.append(dict(zip(header, cells, strict=True)))
    except csv.Error as exc:
        raise CsvError(f"the CSV file cannot be read near line {reader.line_num}: {exc}") from None
    return CsvTable(header, rows, errors)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvError("the file is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8' instead")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise CsvError(
            f"the file is not UTF-8: byte 0x{data[offset]:02X} at offset {offset} cannot be read "
            "(save it as 'CSV UTF-8')"
        ) from None


def sniff_delimiter(text: str) -> str:
    """`;` when the header line has more semicolons than commas (outside quotes), else `,`."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in ("\n", "\r"):
                break
            if char in counts:
                counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for position, name in enumerate(header, 1):
        if not name:
            errors.append(RowError(0, None, "blank_header", f"column {position} has no name in the header"))
        elif name in seen:
            errors.append(
                RowError(0, name, "duplicate_header", f"column {name!r} appears twice in the header")
            )
        seen.add(name)
    return errors
