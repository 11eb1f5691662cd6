"""Batch submission: a CSV of staff applications, every row checked and reported, the valid rows submitted."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Application, Batch
from tests.journeys import institution_desk, person_account, wait_for


def csv_of(*rows: str) -> bytes:
    header = "kind,id_number,certificate_no,practice_category,practice_scope,institution_id,identifier"
    return ("\n".join((header, *rows)) + "\n").encode()


def test_a_batch_reports_every_row_and_submits_the_valid_ones(api, db, settings, workers):
    desk = institution_desk(api, db)
    first, second, third = (person_account(db, settings, desk.id) for _ in range(3))
    stranger = person_account(db, settings, institution_desk(api, db).id)
    db.commit()
    upload = csv_of(
        f"physician.first_registration,{first['id_number']},{first['certificate_no']},临床,内科专业,{desk.id},",
        f"physician.first_registration,{second['id_number']},{second['certificate_no']},临床,内科专业;外科专业,{desk.id},",
        f"physician.first_registration,{first['id_number']},{first['certificate_no']},临床,内科专业,{desk.id},",
        f"physician.first_registration,{stranger['id_number']},{stranger['certificate_no']},临床,内科专业,{desk.id},",
        f"physician.first_registration,{third['id_number']},{third['certificate_no']},火星,内科专业,{desk.id},",
        "physician.departure_filing,,,,,,",
        "physician.time_travel,,,,,,",
    )
    created = api.post("/api/v1/institution/batches", upload_files=[("file", "staff.csv", upload)], headers=desk.headers,
                       status=202).json
    assert created["total"] == 7 and created["status"] == "queued"

    done = wait_for(lambda: (lambda b: b if b["status"] == "done" else None)(
        api.get(f"/api/v1/institution/batches/{created['id']}", headers=desk.headers).json))
    assert done["progress"] == 100 and done["submitted"] == 2 and done["refused"] == 5
    rows = {row["row"]: row for row in done["rows"]}
    assert rows[2]["status"] == rows[3]["status"] == "submitted"
    assert rows[4]["errors"] == [{"field": "id_number", "reason": "与第2行重复"}]
    assert rows[5]["errors"][0]["field"] == "id_number"
    assert rows[6]["errors"][0]["field"] == "practice_category"
    assert rows[7]["status"] == "refused" and rows[7]["errors"]  # the kind's own schema says why
    assert rows[8]["errors"][0]["field"] == "kind"

    submitted = db.scalars(select(Application).where(Application.id.in_([rows[2]["application_id"], rows[3]["application_id"]]))).all()
    assert {a.person_id for a in submitted} == {first["person_id"], second["person_id"]}
    assert all("批量代为提交" in a.history[0].comment for a in submitted)
    assert next(a for a in submitted if a.person_id == second["person_id"]).data["practice_scope"] == ["内科专业", "外科专业"]
    listed = api.get("/api/v1/institution/batches", headers=desk.headers).json["items"]
    assert listed[0]["id"] == created["id"] and "rows" not in listed[0]

    # Another institution cannot see the batch; a person cannot upload.
    other = institution_desk(api, db)
    api.get(f"/api/v1/institution/batches/{created['id']}", headers=other.headers, status=404)


def test_an_unusable_file_is_refused_whole_and_nothing_is_stored(api, db):
    desk = institution_desk(api, db)
    before = db.scalar(select(func.count()).select_from(Batch))
    for content, reason in ((b"", "请上传"), (b"name,id_number\nx,y\n", "kind"), (b"kind\n", "没有数据行"),
                            ("kind,id_number\n".encode("utf-16"), "UTF-8")):
        answer = api.post("/api/v1/institution/batches", upload_files=[("file", "x.csv", content)], headers=desk.headers, status=400)
        assert reason in answer.json["error"]["fields"]["file"]
    answer = api.post("/api/v1/institution/batches", params=b"kind\n", headers={**desk.headers, "Content-Type": "application/json"},
                      status=400)
    assert "file" in answer.json["error"]["fields"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Batch)) == before
