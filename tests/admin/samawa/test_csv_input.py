"""CSV uploads as Excel writes them: BOM or not, `,` or `;`, quoted newlines; bad bytes and ragged rows."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.samawa import SamawaError
from admin.samawa.csv_input import CsvError, read_csv, sniff_delimiter


def test_plain_utf8_with_commas() -> None:
    table = read_csv(b"kode,nama,jumlah\n33.74.01,Semarang Tengah,12\n33.74.16,Tugu,7\n")
    assert table.header == ["kode", "nama", "jumlah"]
    assert table.rows == [
        {"kode": "33.74.01", "nama": "Semarang Tengah", "jumlah": "12"},
        {"kode": "33.74.16", "nama": "Tugu", "jumlah": "7"},
    ]
    assert table.errors == []


def test_excel_indonesia_bom_semicolons_crlf_and_decimal_commas() -> None:
    data = '\ufeffkode;nama;rasio\r\n33.74.01;Semarang Tengah;1,5\r\n33.74.02;"Semarang; Utara";2,25\r\n'
    table = read_csv(data.encode("utf-8"))
    assert table.header == ["kode", "nama", "rasio"]  # no BOM glued to the first name
    assert table.rows[0]["rasio"] == "1,5"
    assert table.rows[1]["nama"] == "Semarang; Utara"
    assert table.errors == []


def test_quoted_newlines_and_quotes_stay_inside_the_cell() -> None:
    data = b'kode,catatan\n33.74.01,"baris satu\nbaris ""dua"""\n33.74.02,x\n'
    table = read_csv(data)
    assert table.rows == [
        {"kode": "33.74.01", "catatan": 'baris satu\nbaris "dua"'},
        {"kode": "33.74.02", "catatan": "x"},
    ]


def test_non_ascii_names_survive() -> None:
    table = read_csv("nama\nKelurahan Ngemplak Simongan — Rp 1.000\n".encode())
    assert table.rows == [{"nama": "Kelurahan Ngemplak Simongan — Rp 1.000"}]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("a,b,c", ","),
        ("a;b;c", ";"),
        ('"a;x",b', ","),  # the semicolon is quoted: not a delimiter
        ('"a,x";b', ";"),
        ("a", ","),
        ("a;b,c;d", ";"),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header_line(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header + "\n1,2;3\n") == delimiter


def test_a_file_in_another_encoding_is_refused_naming_the_byte() -> None:
    data = "kode,nama\n33.74.01,Kantor Kecamatan Gajahmungkur\n33.74.09,Café\n".encode("cp1252")
    with pytest.raises(CsvError) as caught:
        read_csv(data)
    offset = data.index(b"\xe9")
    assert f"offset {offset}" in str(caught.value)
    assert "0xE9" in str(caught.value) and "UTF-8" in str(caught.value)
    assert isinstance(caught.value, SamawaError)


def test_the_offset_counts_the_bom_too() -> None:
    data = b"\xef\xbb\xbfa\n\xff\n"
    with pytest.raises(CsvError, match="offset 5"):
        read_csv(data)


def test_utf16_is_refused_with_advice() -> None:
    with pytest.raises(CsvError, match="UTF-16"):
        read_csv("a,b\n1,2\n".encode("utf-16"))


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n", b",,\n"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(CsvError, match="empty"):
        read_csv(data)


def test_ragged_rows_are_each_reported_and_kept_in_place() -> None:
    data = b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3\n1\n"
    table = read_csv(data)
    assert [(e.row, e.field, e.code) for e in table.errors] == [
        (2, None, "ragged_row"),
        (3, None, "ragged_row"),
        (5, None, "ragged_row"),
    ]
    assert "2 values" in table.errors[0].message and "3 columns" in table.errors[0].message
    # Padded or cut to the header: row numbers stay those of the file, the other cells are still checked.
    assert table.rows == [
        {"a": "1", "b": "2", "c": "3"},
        {"a": "1", "b": "2", "c": ""},
        {"a": "1", "b": "2", "c": "3"},
        {"a": "1", "b": "2", "c": "3"},
        {"a": "1", "b": "", "c": ""},
    ]


def test_blank_lines_and_excels_trailing_empty_columns_are_not_data() -> None:
    data = b"a;b;;\r\n1;2;;\r\n\r\n;;;\r\n3;4\r\n;;\r\n"
    table = read_csv(data)
    assert table.header == ["a", "b"]
    assert table.rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert table.errors == []


def test_header_names_are_trimmed_and_blank_or_duplicate_ones_reported() -> None:
    table = read_csv(b" kode ,,kode,jumlah\n1,2,3,4\n")
    assert table.header == ["kode", "", "kode", "jumlah"]
    assert [(e.row, e.field, e.code) for e in table.errors] == [
        (0, None, "blank_header"),
        (0, "kode", "duplicate_header"),
    ]


def test_broken_quoting_is_a_csv_error() -> None:
    with pytest.raises(CsvError, match="line"):
        read_csv(b'a,b\n1,"2\n' + b"x" * 200_000 + b"\n")  # an unclosed quote swallows the file


def test_a_large_file_reads_every_row() -> None:
    body = "kode;jumlah\n" + "".join(f"33.74.{i % 16 + 1:02d};{i}\n" for i in range(100_000))
    table = read_csv(body.encode())
    assert len(table.rows) == 100_000
    assert table.rows[-1] == {"kode": "33.74.16", "jumlah": "99999"}


cells = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


@given(
    st.lists(st.text(alphabet="abcdefghij_", min_size=1, max_size=6), min_size=2, max_size=5, unique=True),
    st.data(),
    st.sampled_from([",", ";"]),
    st.booleans(),
)
def test_what_the_csv_writer_writes_reads_back(
    header: list[str], data: st.DataObject, delimiter: str, bom: bool
) -> None:
    rows = data.draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=10))
    rows = [r for r in rows if any(r)]  # blank records are skipped on purpose
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    # (Two columns at least: a one-column file has no delimiter to sniff, "," is assumed.)
    raw = ("\ufeff" if bom else "") + buffer.getvalue()
    table = read_csv(raw.encode("utf-8"))
    assert table.header == header
    assert table.rows == [dict(zip(header, r, strict=True)) for r in rows]
    assert table.errors == []
