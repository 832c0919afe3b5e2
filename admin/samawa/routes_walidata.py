"""SAMAWA routes: datasets, the submission API and the Walidata's review, with the roles allowed on each."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from admin.keys import API_TOKEN
from admin.samawa import views_api, views_walidata

WALIDATA = frozenset({"walidata", "admin"})
# The producer OPD's data operators may read their own OPD's datasets and submissions (the view narrows it).
DATASET_READERS = frozenset({"walidata", "admin", "data_operator"})

# route name → roles allowed (admin.keys.API_TOKEN: a signed token, checked by the view)
ROUTE_ROLES: Mapping[str, frozenset[str]] = {
    # the OPDs' submission API: a signed token (Authorization: Bearer), no session, no CSRF
    "api_dataset_submit": API_TOKEN,
    "api_dataset_submission": API_TOKEN,
    # the Walidata's pages
    "samawa_datasets": DATASET_READERS,
    "samawa_dataset_new": WALIDATA,
    "samawa_dataset_create": WALIDATA,
    "samawa_dataset": DATASET_READERS,
    "samawa_submission": DATASET_READERS,
    "samawa_submission_review": WALIDATA,
    "samawa_version_csv": DATASET_READERS,
    "samawa_version_json": DATASET_READERS,
    "samawa_version_diff": DATASET_READERS,
}
BODY_LIMITS: Mapping[str, int] = {
    # the submission itself is limited by views_api (a clear 413); this lets a multipart body's own framing
    # through around a file of the full size
    "api_dataset_submit": views_api.MAX_SUBMISSION_BYTES + 1024 * 1024,
    # a pasted or uploaded Table Schema with its form: far below this
    "samawa_dataset_create": 4 * 1024 * 1024,
}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/v1/datasets/{slug}/submissions", views_api.submit, name="api_dataset_submit")
    r.add_get("/api/v1/datasets/{slug}/submissions/{submission_id}", views_api.submission_status,
              name="api_dataset_submission")  # fmt: skip
    r.add_get("/samawa/dataset", views_walidata.datasets_page, name="samawa_datasets")
    r.add_get("/samawa/dataset/baru", views_walidata.new_dataset_form, name="samawa_dataset_new")
    r.add_post("/samawa/dataset/baru", views_walidata.create_dataset_form, name="samawa_dataset_create")
    r.add_get("/samawa/dataset/{slug}", views_walidata.dataset_page, name="samawa_dataset")
    r.add_get("/samawa/dataset/{slug}/kiriman/{submission_id:[0-9]+}", views_walidata.submission_page,
              name="samawa_submission")  # fmt: skip
    # the verdict names its dataset and submission in the form, as the portal's other decisions do
    r.add_post("/samawa/kiriman/putusan", views_walidata.review_form, name="samawa_submission_review")
    r.add_get("/samawa/dataset/{slug}/versi/{version:[0-9]+}.csv", views_walidata.version_csv,
              name="samawa_version_csv")  # fmt: skip
    r.add_get("/samawa/dataset/{slug}/versi/{version:[0-9]+}.json", views_walidata.version_json,
              name="samawa_version_json")  # fmt: skip
    r.add_get("/samawa/dataset/{slug}/beda", views_walidata.diff_page, name="samawa_version_diff")
