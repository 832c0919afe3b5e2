"""smedi dataset: datasets, submissions and the Walidata's review (SAMAWA)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smedi.settings import Settings

MAX_FILE_BYTES = 4 * 1024 * 1024  # a schema or metadata file: JSON of a page or two


def _json_file(path: str, what: str) -> Any:
    from smedi.cli import UsageError

    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{what} {path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UsageError(f"{what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} {path}: not valid JSON ({exc})") from None


async def cmd_dataset_create(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import DatasetSpec, create_dataset
    from smedi.cli import _actor, _database

    spec = DatasetSpec(
        slug=args.slug, title=args.title, org=args.org, schema=_json_file(args.schema, "schema"),
        classification=args.classification, description=args.description, topic=args.topic,
        metadata=_json_file(args.metadata, "metadata") if args.metadata else {}, license=args.license,
        release_schedule=args.release_schedule, suppress_fields=args.suppress or (),
        suppress_below=args.below,
    )  # fmt: skip
    async with _database(settings) as conn:
        dataset = await create_dataset(conn, spec, _actor())
    fields = ", ".join(str(f["name"]) for f in dataset.schema["fields"])
    print(f"dataset {dataset.slug} defined for OPD {dataset.org_code} ({dataset.classification}): {fields}")
    return 0


async def cmd_dataset_list(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import list_datasets
    from smedi.cli import _database, _print_table

    async with _database(settings) as conn:
        found = await list_datasets(conn)
    if args.format == "json":
        print(json.dumps({"datasets": [d.as_json() for d in found]}, indent=2, ensure_ascii=False))
        return 0
    rows = [
        [d.slug, d.org_code, d.classification, str(d.current_version or "-"), str(d.pending), d.title]
        for d in found
    ]
    _print_table(["slug", "opd", "classification", "version", "pending", "title"], rows,
                 frozenset({"version", "pending"}))  # fmt: skip
    if not found:
        print("(no datasets)")
    return 0


async def cmd_dataset_submissions(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import require_dataset
    from admin.samawa.submission_store import list_submissions
    from smedi.cli import _database, _local_minute, _print_table

    async with _database(settings) as conn:
        dataset = await require_dataset(conn, args.slug)
        found = await list_submissions(conn, dataset.id)
    if args.format == "json":
        print(json.dumps({"dataset": dataset.slug, "submissions": [s.as_json() for s in found]}, indent=2,
                         ensure_ascii=False))  # fmt: skip
        return 0
    rows = [
        [str(s.id), _local_minute(s.received_at, settings), s.mode, str(s.row_count), s.status,
         str(s.version or "-"), s.reviewed_by or "-", s.review_note.replace("\n", " ")[:60]]
        for s in found
    ]  # fmt: skip
    columns = ["id", "received", "mode", "rows", "status", "version", "reviewed by", "note"]
    _print_table(columns, rows, frozenset({"id", "rows", "version"}))
    if not found:
        print(f"(no submissions for {dataset.slug} yet)")
    return 0


async def cmd_dataset_review(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.submission_store import approve, return_submission
    from smedi.cli import _actor, _database

    async with _database(settings) as conn:
        if args.approve:
            version = await approve(conn, args.slug, args.submission_id, _actor())
            print(f"submission {args.submission_id} published as version {version.version} of {args.slug}: "
                  f"{version.row_count} rows, sha256 {version.sha256}")  # fmt: skip
        else:
            await return_submission(conn, args.slug, args.submission_id, args.return_note, _actor())
            print(f"submission {args.submission_id} returned to the OPD with the note; it may resubmit")
    return 0


async def cmd_dataset_versions(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import require_dataset
    from admin.samawa.submission_store import list_versions
    from smedi.cli import _database, _local_minute, _print_table

    async with _database(settings) as conn:
        dataset = await require_dataset(conn, args.slug)
        found = await list_versions(conn, dataset.id)
    if args.format == "json":
        print(json.dumps({"dataset": dataset.slug, "current_version": dataset.current_version,
                          "versions": [v.as_json() for v in found]}, indent=2))  # fmt: skip
        return 0
    rows = [
        [str(v.version), _local_minute(v.published_at, settings), v.published_by, str(v.submission_id),
         str(v.row_count), v.sha256]
        for v in found
    ]  # fmt: skip
    _print_table(["version", "published", "by", "submission", "rows", "sha256"], rows,
                 frozenset({"version", "submission", "rows"}))  # fmt: skip
    if not found:
        print(f"(no published versions of {dataset.slug} yet)")
    return 0


async def cmd_dataset_download(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import require_dataset
    from admin.samawa.submission_store import require_version, version_csv, version_rows
    from smedi.cli import _database

    async with _database(settings) as conn:
        dataset = await require_dataset(conn, args.slug)
        if args.format == "csv":
            _version, data = await version_csv(conn, dataset, args.version)
            sys.stdout.buffer.write(data)
            return 0
        version = await require_version(conn, dataset, args.version)
        rows = await version_rows(conn, dataset.id, args.version)
    document = {"dataset": dataset.slug, **version.as_json(), "schema": version.schema, "rows": rows}
    print(json.dumps(document, ensure_ascii=False))
    return 0


async def cmd_dataset_diff(args: argparse.Namespace, settings: Settings) -> int:
    from admin.samawa.datasets import require_dataset
    from admin.samawa.submission_store import diff_versions
    from smedi.cli import _database

    async with _database(settings) as conn:
        dataset = await require_dataset(conn, args.slug)
        diff = await diff_versions(conn, dataset, args.a, args.b)
    if args.format == "json":
        print(json.dumps({"dataset": dataset.slug, "from": args.a, "to": args.b, **diff.as_json()}, indent=2,
                         ensure_ascii=False))  # fmt: skip
        return 0
    how = f"by primary key {', '.join(diff.by_key)}" if diff.by_key else "by whole rows (no primary key)"
    print(f"{dataset.slug} version {args.a} → {args.b}, {how}: {len(diff.added)} added, {len(diff.removed)} "
          f"removed, {len(diff.changed)} changed")  # fmt: skip
    for row in diff.added:
        print(f"+ {json.dumps(row, ensure_ascii=False)}")
    for row in diff.removed:
        print(f"- {json.dumps(row, ensure_ascii=False)}")
    for change in diff.changed:
        what = ", ".join(f"{n}: {change.before.get(n)!r} → {change.after.get(n)!r}" for n in change.fields)
        print(f"~ {json.dumps(list(change.key), ensure_ascii=False)} {what}")
    return 0


def add_commands(
    sub: argparse._SubParsersAction[Any], command: Callable[..., argparse.ArgumentParser]
) -> None:
    """Add this area's commands; `command(name, handler, help, parent)` is smedi.cli's helper."""
    dataset = sub.add_parser(
        "dataset", help="SAMAWA datasets: define them, review the OPDs' submissions, read the versions",
        description="SAMAWA datasets: define them, review the OPDs' submissions, read the versions",
    ).add_subparsers(dest="dataset_command", required=True)  # fmt: skip

    p = command("create", cmd_dataset_create, "define a dataset an OPD will deliver", dataset)
    p.epilog = (
        "Example: smedi dataset create keluarga-miskin --org DINSOS --title 'Keluarga miskin per kelurahan' "
        "--schema schema.json --topic Sosial --suppress jumlah_kk --below 5. A publik dataset may not have a "
        "field with the nik format (the privacy gate)."
    )
    p.add_argument(
        "slug", metavar="SLUG", help="the dataset's short name in URLs: lower-case letters, digits, '-'"
    )
    p.add_argument("--org", required=True, metavar="CODE", help="the producer OPD")
    p.add_argument("--title", required=True)
    p.add_argument("--schema", required=True, metavar="FILE", help="a Frictionless Table Schema (JSON)")
    p.add_argument("--classification", choices=["publik", "terbatas", "rahasia"], default="publik")
    p.add_argument("--description", default="")
    p.add_argument("--topic", default="")
    p.add_argument("--license", default="CC-BY-4.0")
    p.add_argument("--release-schedule", default="", metavar="TEXT", help="e.g. 'Maret setiap tahun'")
    p.add_argument("--metadata", metavar="FILE", help="Satu Data metadata (JSON): konsep, definisi, "
                   "klasifikasi, ukuran, satuan, frekuensi, sumber, penanggung_jawab, "
                   "tingkat_wilayah")  # fmt: skip
    p.add_argument("--suppress", nargs="+", metavar="FIELD", help="count fields whose small values are "
                   "hidden from the public")  # fmt: skip
    p.add_argument(
        "--below", type=int, default=5, metavar="N", help="with --suppress: hide values below N (5)"
    )

    p = command("list", cmd_dataset_list, "every dataset with its published version and pending submissions",
                dataset)  # fmt: skip
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = command("submissions", cmd_dataset_submissions, "a dataset's submissions, newest first", dataset)
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = command("review", cmd_dataset_review, "approve a submission (published as the next version) or "
                "return it to the OPD with a note", dataset)  # fmt: skip
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("submission_id", type=int, metavar="SUBMISSION_ID")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true", help="publish it as the next, immutable version")
    verdict.add_argument("--return", dest="return_note", metavar="NOTE", help="send it back with what to fix")

    p = command("versions", cmd_dataset_versions, "a dataset's published versions, newest first", dataset)
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = command("download", cmd_dataset_download, "one published version on standard output", dataset)
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("version", type=int, metavar="VERSION")
    p.add_argument("--format", choices=["csv", "json"], default="csv",
                   help="csv: the canonical CSV whose SHA-256 is the version's (default); json: rows and "
                   "schema")  # fmt: skip

    p = command("diff", cmd_dataset_diff, "rows added, removed and changed between two versions", dataset)
    p.add_argument("slug", metavar="SLUG")
    p.add_argument("a", type=int, metavar="A", help="the earlier version")
    p.add_argument("b", type=int, metavar="B", help="the later version")
    p.add_argument("--format", choices=["text", "json"], default="text")
