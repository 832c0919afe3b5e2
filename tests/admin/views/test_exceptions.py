"""Exception requests in the portal: asked for one's own block only, decided once, every step audited."""

from __future__ import annotations

import asyncpg

from tests.admin.conftest import NewClient, csrf_from, csrf_token, signed_in_client

REFERENCE = "A1B2C3D4"


async def blocked(
    db: asyncpg.Pool, employee_id: int, reference: str = REFERENCE, host: str = "judi.test"
) -> None:
    await db.execute(
        "INSERT INTO usage_events (ts, employee_id, host, scheme, method, status, decision, category, rule, "
        "bytes_up, bytes_down, request_body_bytes, response_body_bytes, duration_ms, reference) "
        "VALUES (now(), $1, $2, 'https', 'GET', 403, 'block', 'judi', 'category:judi', 1, 1, 0, 0, 1, $3)",
        employee_id, host, reference,
    )  # fmt: skip


async def test_request_approve_and_see_the_outcome(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await blocked(db, users["pegawai"])
    employee = await signed_in_client(new_client, "pegawai")
    page = await employee.get(f"/pengecualian/baru?ref={REFERENCE}")
    text = await page.text()
    assert page.status == 200 and "judi.test" in text and "category:judi" in text
    token = csrf_from(text)
    form = {"csrf_token": token, "ref": REFERENCE, "reason": "Investigasi <b>laporan</b> warga"}
    response = await employee.post("/pengecualian/baru", data=form, allow_redirects=False)
    assert response.status == 303
    again = await employee.post("/pengecualian/baru", data=form)
    assert again.status == 400 and "sudah dikirim" in await again.text()

    admin = await signed_in_client(new_client, "admin")
    review = await admin.get("/pengecualian")
    review_text = await review.text()
    assert "Investigasi &lt;b&gt;laporan&lt;/b&gt; warga" in review_text  # escaped
    request_id = await db.fetchval("SELECT id FROM exception_requests")
    admin_token = csrf_from(review_text)
    decision = {"csrf_token": admin_token, "duration": "1d", "scope": "employee", "note": "ok"}
    response = await admin.post(
        "/pengecualian/putusan",
        data={**decision, "id": str(request_id), "verdict": "approve"},
        allow_redirects=False,
    )
    assert response.status == 303
    rule = await db.fetchrow(
        "SELECT action, match, pattern, scope, employee_id, position, expires_at FROM rules"
    )
    assert (rule["action"], rule["match"], rule["pattern"], rule["scope"]) == (
        "allow",
        "domain",
        "judi.test",
        "employee",
    )
    assert rule["employee_id"] == users["pegawai"] and rule["position"] == 1
    assert 23 * 3600 < (rule["expires_at"] - await db.fetchval("SELECT now()")).total_seconds() <= 24 * 3600
    twice = await admin.post(
        "/pengecualian/putusan",
        data={"csrf_token": admin_token, "note": "x", "id": str(request_id), "verdict": "refuse"},
    )
    assert twice.status == 400 and "sudah diputuskan" in await twice.text()

    mine = await (await employee.get("/pengecualian/saya")).text()
    assert "Disetujui" in mine and "judi.test" in mine
    actions = [
        r["action"]
        for r in await db.fetch(
            "SELECT action FROM audit_log WHERE action LIKE 'exception%' OR action = 'rule_added' ORDER BY id"
        )
    ]
    assert actions == ["exception_requested", "rule_added", "exception_approved"]


async def test_someone_elses_reference_is_unknown(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await blocked(db, users["pegawai"])
    other = await signed_in_client(new_client, "hr")
    page = await other.get(f"/pengecualian/baru?ref={REFERENCE}")
    assert "tidak ditemukan" in await page.text() and "judi.test" not in await page.text()
    token = csrf_from(await page.text())
    response = await other.post(
        "/pengecualian/baru", data={"csrf_token": token, "ref": REFERENCE, "reason": "x"}
    )
    assert response.status == 400
    assert await db.fetchval("SELECT count(*) FROM exception_requests") == 0


async def test_refuse_with_a_note_and_the_employee_sees_it(
    new_client: NewClient, db: asyncpg.Pool, users: dict[str, int]
) -> None:
    await blocked(db, users["pegawai"])
    employee = await signed_in_client(new_client, "pegawai")
    token = await csrf_token(employee, f"/pengecualian/baru?ref={REFERENCE}")
    await employee.post("/pengecualian/baru", data={"csrf_token": token, "ref": REFERENCE, "reason": "perlu"})
    admin = await signed_in_client(new_client, "admin")
    admin_token = await csrf_token(admin, "/pengecualian")
    request_id = await db.fetchval("SELECT id FROM exception_requests")
    bad = await admin.post(
        "/pengecualian/putusan",
        data={
            "csrf_token": admin_token,
            "id": str(request_id),
            "verdict": "approve",
            "duration": "99y",
            "scope": "employee",
        },
    )
    assert bad.status == 400 and await db.fetchval("SELECT count(*) FROM rules") == 0
    await admin.post(
        "/pengecualian/putusan",
        data={
            "csrf_token": admin_token,
            "note": "Tidak terkait tugas",
            "id": str(request_id),
            "verdict": "refuse",
        },
    )
    mine = await (await employee.get("/pengecualian/saya")).text()
    assert "Ditolak" in mine and "Tidak terkait tugas" in mine
