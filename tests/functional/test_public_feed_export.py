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


def served_listing(tmp_path) -> tuple[str, str]:
    """A bulk directory holding one listed file: (the directory, the file's name)."""
    out = tmp_path / "listed"
    out.mkdir()
    name = "public-full-7.csv"
    (out / name).write_text("identifier\n", encoding="utf-8")
    manifest = {"cursor": 7, "generated_at": "2026-12-04T10:00:00+08:00", "full": {"cursor": 7, "files": [name]}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return str(out), name


FORGED_HOST = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def test_the_bulk_listing_never_takes_its_addresses_from_the_host_header(settings, tmp_path):
    """Unset MEDREG_PUBLIC_URL: each file's `url` is a path (it used to be http://<whatever Host the client sent>/…)."""
    directory, name = served_listing(tmp_path)
    portal = portal_with(settings, bulk_dir=directory)
    listing = portal.get("/api/v1/public/bulk", headers=FORGED_HOST)
    assert [item["url"] for item in listing.json["files"]] == [f"/api/v1/public/bulk/{name}"]
    assert "evil.example" not in listing.text
    assert portal.get(listing.json["files"][0]["url"]).body == b"identifier\n"
    page = portal.get("/public/bulk", headers=FORGED_HOST)
    assert [a["href"] for a in page.html.select("#bulk-files a")] == [f"/api/v1/public/bulk/{name}"]


def test_the_bulk_listing_gives_addresses_under_the_public_url_when_it_is_set(settings, tmp_path):
    directory, name = served_listing(tmp_path)
    portal = portal_with(settings, bulk_dir=directory, public_url="https://medreg.example.cn")
    listing = portal.get("/api/v1/public/bulk", headers=FORGED_HOST).json
    assert [item["url"] for item in listing["files"]] == [f"https://medreg.example.cn/api/v1/public/bulk/{name}"]


def test_the_public_url_comes_from_the_environment_or_the_ini_and_is_checked(monkeypatch):
    from models.settings import load_settings

    monkeypatch.setenv("MEDREG_SECRET", "a-secret-of-the-environment")
    monkeypatch.delenv("MEDREG_PUBLIC_URL", raising=False)
    assert load_settings().public_url == ""
    assert load_settings({"medreg.public_url": "https://ini.example.cn/"}).public_url == "https://ini.example.cn"
    monkeypatch.setenv("MEDREG_PUBLIC_URL", "https://medreg.example.cn/registry/")
    loaded = load_settings({"medreg.public_url": "https://ini.example.cn"})
    assert loaded.public_url == "https://medreg.example.cn/registry"
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.public_url = "https://elsewhere.example"  # type: ignore[misc]
    for wrong in ("medreg.example.cn", "ftp://medreg.example.cn", "https://", "https://medreg.example.cn/?a=1"):
        monkeypatch.setenv("MEDREG_PUBLIC_URL", wrong)
        with pytest.raises(ValueError, match="MEDREG_PUBLIC_URL"):
            load_settings()


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
