"""Satu Data Indonesia metadata of a dataset (Perpres 39/2019 Pasal 4 and the BPS MS-Ind items).

The keys are stored in `datasets.metadata` (jsonb); the labels are what the portal and the public pages
show. Every key is optional: a dataset is defined first and its metadata completed as the OPD supplies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from admin.samawa import SamawaError

MAX_VALUE = 2000  # characters per item: a definition is a paragraph, not a document


@dataclass(frozen=True, slots=True)
class MetadataField:
    key: str
    label_id: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_id


METADATA_FIELDS: tuple[MetadataField, ...] = (
    MetadataField("konsep", "Konsep", "Concept"),
    MetadataField("definisi", "Definisi", "Definition"),
    MetadataField("klasifikasi", "Klasifikasi", "Classification"),
    MetadataField("ukuran", "Ukuran", "Measure"),
    MetadataField("satuan", "Satuan", "Unit"),
    MetadataField("frekuensi", "Frekuensi pemutakhiran", "Update frequency"),
    MetadataField("sumber", "Sumber data", "Source"),
    MetadataField("penanggung_jawab", "Penanggung jawab", "Person in charge"),
    MetadataField("tingkat_wilayah", "Tingkat wilayah", "Regional level"),
)
METADATA_KEYS: tuple[str, ...] = tuple(f.key for f in METADATA_FIELDS)


def clean_metadata(raw: Mapping[str, object] | None) -> dict[str, str]:
    """The metadata as stored: known keys only, text values stripped, empty ones left out."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SamawaError("metadata: expected an object of the Satu Data keys " + ", ".join(METADATA_KEYS))
    unknown = sorted(str(k) for k in raw if k not in METADATA_KEYS)
    if unknown:
        raise SamawaError(
            f"metadata: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(METADATA_KEYS)}"
        )
    cleaned = {}
    for key in METADATA_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise SamawaError(f"metadata {key}: expected text")
        value = value.strip()
        if len(value) > MAX_VALUE:
            raise SamawaError(f"metadata {key}: longer than {MAX_VALUE} characters")
        if value:
            cleaned[key] = value
    return cleaned
