"""SAMAWA routes: the citizens' catalog, public API, CKAN Action API and Data Packages, with their roles."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from admin.keys import API_TOKEN, PUBLIC
from admin.samawa import ckan, views_public
from admin.samawa.public_store import DatasetCache

SLUG = r"{slug:[a-z0-9][a-z0-9-]{1,79}}"  # as the datasets table admits them: no dot, so ".csv" is not a slug
VERSION = r"{version:[1-9][0-9]{0,8}}"
CKAN_ACTION = r"/api/{api_version:(?:3/)?}action/{action:[a-z_]{1,64}}"  # ckanapi calls /api/action/

# route name → roles allowed (admin.keys.PUBLIC: anyone; admin.keys.API_TOKEN: no session, the view decides)
ROUTE_ROLES: Mapping[str, frozenset[str]] = {
    # citizens: no sign-in; only `publik` datasets with a published version exist here
    "data_catalog": PUBLIC,
    "data_dataset": PUBLIC,
    "data_csv": PUBLIC,
    "data_json": PUBLIC,
    "data_version_csv": PUBLIC,
    "data_version_json": PUBLIC,
    "data_datapackage_json": PUBLIC,
    "data_datapackage_zip": PUBLIC,
    "data_reference_csv": PUBLIC,
    "api_public_datasets": PUBLIC,
    "api_public_dataset": PUBLIC,
    "api_public_data": PUBLIC,
    "ckan_action": PUBLIC,
    # CKAN clients (ckanapi) POST a JSON body even to read. The view reads no session and changes nothing,
    # so there is nothing for a cross-site request to ride on; API_TOKEN is the table's marker for "no
    # session, no CSRF", and this view needs no token either: it serves published data only.
    "ckan_action_post": API_TOKEN,
}
BODY_LIMITS: Mapping[str, int] = {}


def setup_routes(app: web.Application) -> None:
    app[views_public.DATASET_CACHE] = DatasetCache()
    r = app.router
    r.add_get("/data", views_public.catalog_page, name="data_catalog")
    r.add_get(
        r"/data/referensi/{table:wilayah_[a-z]{1,40}}.csv",
        views_public.reference_csv,
        name="data_reference_csv",
    )
    r.add_get(f"/data/{SLUG}", views_public.dataset_page, name="data_dataset")
    r.add_get(f"/data/{SLUG}.csv", views_public.download_csv, name="data_csv")
    r.add_get(f"/data/{SLUG}.json", views_public.download_json, name="data_json")
    r.add_get(f"/data/{SLUG}/versi/{VERSION}.csv", views_public.download_csv, name="data_version_csv")
    r.add_get(f"/data/{SLUG}/versi/{VERSION}.json", views_public.download_json, name="data_version_json")
    r.add_get(f"/data/{SLUG}/datapackage.json", views_public.datapackage_json, name="data_datapackage_json")
    r.add_get(f"/data/{SLUG}/datapackage.zip", views_public.datapackage_zip, name="data_datapackage_zip")
    r.add_get("/api/v1/public/datasets", views_public.api_datasets, name="api_public_datasets")
    r.add_get(f"/api/v1/public/datasets/{SLUG}", views_public.api_dataset, name="api_public_dataset")
    r.add_get(f"/api/v1/public/datasets/{SLUG}/data", views_public.api_data, name="api_public_data")
    r.add_get(CKAN_ACTION, ckan.action, name="ckan_action")
    r.add_post(CKAN_ACTION, ckan.action, name="ckan_action_post")
