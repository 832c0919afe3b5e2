"""Frictionless Data Package of a published version: descriptor and zip. Pure.

The dataset's Table Schema is ours, with extensions Frictionless does not know: the `nik` string format
(dropped: a NIK never reaches a `publik` dataset anyway) and foreign keys to the national reference tables.
Those keys are kept and made true: the reference tables they name travel in the package as resources of
their own, so `frictionless validate` checks every code against them. Fields whose small counts are hidden
lose `required` (a hidden cell is empty in the CSV) and say so in their description.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from admin.samawa.public_export import csv_bytes, hidden_below, sha256

FRICTIONLESS_STRING_FORMATS = frozenset({"default", "email", "uri", "binary", "uuid"})
LICENSES = {
    "CC-BY-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"),
    "CC-BY-SA-4.0": (
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Creative Commons Attribution Share-Alike 4.0",
    ),
    "CC0-1.0": ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
    "ODC-BY-1.0": (
        "https://opendatacommons.org/licenses/by/1-0/",
        "Open Data Commons Attribution License 1.0",
    ),
    "OGL-ID": ("", "Lisensi Data Terbuka Indonesia"),
}
REFERENCE_FIELDS = [
    {"name": "kode", "type": "string", "title": "Kode Kemendagri"},
    {"name": "nama", "type": "string", "title": "Nama"},
    {"name": "induk", "type": "string", "title": "Kode induk"},
]


@dataclass(frozen=True)
class PackageFile:
    """One resource's data: its name in the package, its bytes, and where the online descriptor points."""

    name: str
    relative_path: str  # inside the zip
    url: str  # in the online datapackage.json
    data: bytes
    schema: dict[str, Any]
    title: str = ""


def reference_tables(schema: Mapping[str, Any]) -> list[str]:
    """The reference tables the schema's foreign keys name (self-references, resource "", excluded)."""
    names = []
    for key in schema.get("foreignKeys", []) or []:
        resource = str((key.get("reference") or {}).get("resource", ""))
        if resource and resource not in names:
            names.append(resource)
    return names


def frictionless_schema(
    schema: Mapping[str, Any], suppression: Mapping[str, Any] | None, references: frozenset[str]
) -> dict[str, Any]:
    """The schema as Frictionless reads it, true of the public CSV (hidden cells are empty).

    `references`: the reference tables that travel in the package; a foreign key to any other table is
    dropped, since a package cannot point at a resource it does not hold.
    """
    out = copy.deepcopy(dict(schema))
    keys = [
        k
        for k in out.get("foreignKeys", []) or []
        if (k.get("reference") or {}).get("resource") in references
    ]
    if keys:
        out["foreignKeys"] = keys
    else:
        out.pop("foreignKeys", None)
    hidden = {str(name) for name in (suppression or {}).get("fields", [])}
    for descriptor in out.get("fields", []):
        if descriptor.get("type", "string") == "string" and descriptor.get("format", "default") not in (
            FRICTIONLESS_STRING_FORMATS
        ):
            descriptor.pop("format", None)  # e.g. "nik": our own check, unknown to Frictionless
        if descriptor["name"] in hidden:
            constraints = descriptor.get("constraints") or {}
            constraints.pop("required", None)
            if constraints:
                descriptor["constraints"] = constraints
            else:
                descriptor.pop("constraints", None)
            note = f"Values below {hidden_below(suppression)} are hidden (empty) to protect small groups."
            descriptor["description"] = (str(descriptor.get("description", "")) + " " + note).strip()
    if hidden & set(_as_list(out.get("primaryKey"))):
        out.pop("primaryKey", None)  # a key cannot hold empty cells; unlikely for a count, but then true
    return out


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def reference_file(table_name: str, codes: Sequence[Mapping[str, Any]], url: str) -> PackageFile:
    rows = [{"kode": c["code"], "nama": c["name"], "induk": c.get("parent_code")} for c in codes]
    data = csv_bytes([f["name"] for f in REFERENCE_FIELDS], rows)
    schema = {"fields": copy.deepcopy(REFERENCE_FIELDS), "primaryKey": ["kode"]}
    return PackageFile(
        table_name, f"data/{table_name}.csv", url, data, schema, f"Kode referensi {table_name}"
    )


def license_entry(license_id: str) -> dict[str, str]:
    path, title = LICENSES.get(license_id, ("", ""))
    entry = {"name": license_id}
    if path:
        entry["path"] = path
    if title:
        entry["title"] = title
    return entry


def resource(file: PackageFile, path: str) -> dict[str, Any]:
    described: dict[str, Any] = {
        "profile": "tabular-data-resource",
        "name": file.name,
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(file.data),
        "hash": f"sha256:{sha256(file.data)}",
        "schema": file.schema,
    }
    if file.title:
        described["title"] = file.title
    return described


def descriptor(
    *,
    slug: str,
    title: str,
    description: str,
    license_id: str,
    version: int,
    published_at: datetime,
    homepage: str,
    org_name: str,
    keywords: Sequence[str],
    files: Sequence[PackageFile],
    relative: bool,
) -> dict[str, Any]:
    """datapackage.json: the data first, then the reference tables its foreign keys point at."""
    return {
        "profile": "tabular-data-package",
        "name": slug,
        "title": title,
        "description": description,
        "version": str(version),
        "created": published_at.isoformat(),
        "homepage": homepage,
        "keywords": [k for k in keywords if k],
        "licenses": [license_entry(license_id)],
        "contributors": [{"title": org_name, "role": "publisher"}],
        "resources": [resource(f, f.relative_path if relative else f.url) for f in files],
    }


def zip_bytes(package: Mapping[str, Any], files: Sequence[PackageFile]) -> bytes:
    """datapackage.json (relative paths) and the CSVs, as one zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
        for file in files:
            archive.writestr(file.relative_path, file.data)
    return out.getvalue()
