"""The change feed and the open-data files: every published version in order with a cursor that loses
nothing; `medreg export public` writes a snapshot and changes files that read back to the same records;
the portal serves the newest files and nothing else."""
from __future__ import annotations

import csv
import dataclasses
import json

import pytest
from sqlalchemy import text

from portal.cli import main as medreg
from tests import public_records
from tests.journeys import portal_with

DIVISION = "650201"


def publish(db, settings, record: dict, version: int, status: str) -> dict:
    from publisher.disclosure import publish_version

    record = {**record, "version": version, "status": status, "status_label": public_records.LABELS[status]}
    publish_version(db, dataclasses.replace(settings, channels=()), record)
    db.commit()
    return record


def feed_after(api, since: str, limit: int) -> list[dict]:
    items = []
    while True:
        answer = api.get("/api/v1/public/feed", params={"since": since, "limit": limit}).json
        if not answer["items"]:
            assert answer["next"] == since  # nothing new: the cursor stays where it was
            return items
        items += answer["items"]
        assert answer["next"] == answer["items"][-1]["cursor"]
        since = answer["next"]


@pytest.fixture(scope="module")
def history(settings):
    """Three records published in turns (v1 of each, then v2, v3 …), in separate transactions."""
    from models.db import session_factory

    db = session_factory(settings.database_url)()
    start = str(db.scalar(text("SELECT coalesce(max(id), 0) FROM public_versions")))
    place = [{"id": 1, "name": "测试医院", "identifier": None}]
    records = [public_records.person_record("physician", DIVISION, n, place, status="registered") for n in range(3)]
    order = []
    for version, status in ((1, "registered"), (2, "registered"), (3, "filed")):
        for record in records:
            publish(db, settings, record, version, status)
            order.append((record["identifier"], version))
    db.close()
    return {"start": start, "order": order, "identifiers": {r["identifier"] for r in records}}


def test_feed_gives_every_version_in_publication_order_and_pages_by_cursor(api, history):
    for limit in (1, 4, 100):
        items = [i for i in feed_after(api, history["start"], limit) if i["record"]["identifier"] in history["identifiers"]]
        assert [(i["record"]["identifier"], i["record"]["version"]) for i in items] == history["order"]
        cursors = [int(i["cursor"]) for i in items]
        assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    last = feed_after(api, history["start"], 100)[-1]["cursor"]
    assert feed_after(api, last, 10) == []


def test_export_writes_snapshot_and_changes_that_read_back(api, settings, history, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEDREG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    out = tmp_path / "bulk"
    assert medreg(["export", "public", "--out", str(out), "--since", history["start"]]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    cursor = manifest["cursor"]
    assert "全量快照" in capsys.readouterr().out

    full = [json.loads(line) for line in (out / f"public-full-{cursor}.ndjson").read_text(encoding="utf-8").splitlines()]
    assert [r["identifier"] for r in full] == sorted(r["identifier"] for r in full)
    mine = {r["identifier"]: r for r in full if r["identifier"] in history["identifiers"]}
    assert {i: (r["version"], r["status"]) for i, r in mine.items()} == dict.fromkeys(history["identifiers"], (3, "filed"))
    for record in mine.values():
        assert record == api.get(f"/api/v1/public/records/{record['identifier']}").json
    with open(out / f"public-full-{cursor}.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {row["identifier"]: row for row in csv.DictReader(handle)}
    assert len(rows) == len(full)
    for identifier in mine:
        assert rows[identifier]["status"] == "filed" and rows[identifier]["institutions"] == "测试医院"
        assert rows[identifier]["practice_scopes"] == "内科专业" and rows[identifier]["version"] == "3"

    changes = [json.loads(line) for line in (out / f"public-changes-{history['start']}-{cursor}.ndjson").read_text(encoding="utf-8").splitlines()]
    assert [c["cursor"] for c in changes] == [i["cursor"] for i in feed_after(api, history["start"], 100) if int(i["cursor"]) <= cursor]
    assert [(c["record"]["identifier"], c["record"]["version"]) for c in changes if c["record"]["identifier"] in history["identifiers"]] == history["order"]
    with open(out / f"public-changes-{history['start']}-{cursor}.csv", encoding="utf-8-sig", newline="") as handle:
        assert [row["cursor"] for row in csv.DictReader(handle)] == [c["cursor"] for c in changes]

    # The next export with no --since follows on from this one: its changes start at this cursor.
    assert medreg(["export", "public", "--out", str(out)]) == 0
    following = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert following["changes"]["since"] == cursor
    assert medreg(["export", "public", "--out", str(out), "--since", "yesterday"]) == 2


def test_portal_serves_the_newest_bulk_files_and_nothing_else(settings, history, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDREG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    out = tmp_path / "served"
    assert medreg(["export", "public", "--out", str(out), "--since", history["start"]]) == 0
    (out / "secret.txt").write_text("not for download", encoding="utf-8")
    portal = portal_with(settings, bulk_dir=str(out))
    listing = portal.get("/api/v1/public/bulk").json
    names = {item["name"] for item in listing["files"]}
    assert len(names) == 4 and all(name.startswith(("public-full-", "public-changes-")) for name in names)
    for item in listing["files"]:
        download = portal.get(f"/api/v1/public/bulk/{item['name']}")
        assert download.body == (out / item["name"]).read_bytes()
        assert item["name"] in download.headers["Content-Disposition"]
    portal.get("/api/v1/public/bulk/secret.txt", status=404)
    portal.get("/api/v1/public/bulk/..%2Fmanifest.json", status=404)
    page = portal.get("/public/bulk")
    assert {a.text for a in page.html.select("#bulk-files a")} == names
    empty = portal_with(settings, bulk_dir=str(tmp_path / "none"))
    assert empty.get("/api/v1/public/bulk").json["files"] == []


def test_public_end_settings_come_from_the_environment(monkeypatch, tmp_path):
    from models.settings import load_settings

    monkeypatch.setenv("MEDREG_SECRET", "a-secret-of-the-environment")
    monkeypatch.setenv("MEDREG_BULK_DIR", str(tmp_path))
    monkeypatch.setenv("MEDREG_LICENCE_KEYS", "file:/etc/medreg/licence-keys.json")
    monkeypatch.setenv("MEDREG_PARK_AFTER_ATTEMPTS", "5")
    monkeypatch.setenv("MEDREG_PUBLIC_RATE", "2.5")
    monkeypatch.setenv("MEDREG_PUBLIC_BURST", "9")
    loaded = load_settings()
    assert (loaded.bulk_dir, loaded.licence_keys, loaded.park_after_attempts, loaded.public_rate_per_second, loaded.public_burst) == (
        str(tmp_path), "file:/etc/medreg/licence-keys.json", 5, 2.5, 9)


def test_the_snapshot_written_by_worker_processes_is_the_same_file(db, tmp_path, monkeypatch):
    """A big snapshot is encoded by one process per core, each in the export's own database snapshot, range by range:
    the files are byte for byte what one process writes."""
    from publisher import bulk

    one, many = tmp_path / "one", tmp_path / "many"
    bulk.export(db, one, None, lambda description, total: lambda count: None)
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)
    monkeypatch.setattr(bulk, "RANGES_PER_WORKER", 7)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    bulk.export(db, many, None, lambda description, total: lambda count: None)
    names = sorted(path.name for path in one.iterdir())
    assert names == sorted(path.name for path in many.iterdir())
    for name in names:
        if name != "manifest.json":
            assert (one / name).read_bytes() == (many / name).read_bytes(), name
    assert bulk.read_manifest(one)["sha256"] == bulk.read_manifest(many)["sha256"]
