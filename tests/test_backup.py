"""``flask backup`` / ``flask restore``: a backup restored into an empty database and an empty
evidence folder holds every row of every table and every file (on the database under test:
SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Enterprise, EvidenceFile
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B, fresh_database_url


def _counts(app) -> dict[str, int]:
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        counts = {n: connection.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar()
                  for n in names}
    engine.dispose()
    return counts


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def backup_file(app, tmp_path_factory):
    """Records of both districts with evidence files, then a backup of the whole console."""
    with app.app_context():
        grant = factories.fast_track_application(factories.bureau(DISTRICT_A))
        factories.fast_track_application(factories.bureau(DISTRICT_B))
        ent = factories.enterprise(factories.bureau(DISTRICT_B), name="备份测试（恢复后应在）有限公司")
        db.session.commit()
        facts = {"enterprise": (ent.id, ent.name, ent.uscc),
                 "evidence": [(e.id, e.stored_name, e.sha256) for e in grant.attachments]}
    path = tmp_path_factory.mktemp("backups") / "nightly.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output
    return path, facts, _counts(app)


@pytest.fixture(scope="module")
def empty_console(tmp_path_factory):
    """A second console on a new, empty database with an empty evidence folder, as a fresh
    install creates it (schema, reference data, roles; no bureaus, users or records)."""
    from app import create_app

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path_factory, "restore"),
        "SECRET_KEY": secrets.token_hex(16), "TESTING": True, "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("restored_uploads")),
        "RATELIMIT_ENABLED": False,
    })
    application.test_client_class = FlaskClient
    return application


def test_the_archive_holds_a_manifest_the_database_and_the_files(app, backup_file):
    path, facts, counts = backup_file
    with tarfile.open(path) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["database"]["file"] in names
    assert manifest["database"]["tables"] == counts
    stored = {item["path"]: item["sha256"] for item in manifest["uploads"]}
    for _id, stored_name, sha in facts["evidence"]:
        assert stored[stored_name] == sha
        assert f"uploads/{stored_name}" in names


def test_restore_into_an_empty_console_finds_every_row_and_file(app, backup_file, empty_console):
    path, facts, counts = backup_file
    result = empty_console.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "恢复完成" in result.output
    assert _counts(empty_console) == counts
    with empty_console.app_context():
        ent_id, name, uscc = facts["enterprise"]
        restored = db.session.get(Enterprise, ent_id)
        assert (restored.name, restored.uscc) == (name, uscc)
        root = Path(empty_console.config["UPLOAD_FOLDER"])
        for evidence_id, stored_name, sha in facts["evidence"]:
            assert db.session.get(EvidenceFile, evidence_id).sha256 == sha
            assert _sha(root / stored_name) == sha
        every = db.session.scalars(sa.select(EvidenceFile)).all()
        assert every and all(_sha(root / e.stored_name) == e.sha256 for e in every)
    # the restored console works: the demo district officer logs in and sees the record
    client = empty_console.test_client()
    assert client.post("/login/", data={"username": "pudong", "password": "Demo@2026"}
                       ).status_code == 302
    assert name in client.get(f"/enterpriseview/show/{facts['enterprise'][0]}").get_data(
        as_text=True)


def test_restore_refuses_to_overwrite_a_console_in_use_unless_forced(backup_file, empty_console):
    path, _facts, counts = backup_file
    # empty_console now holds the restored data (the test above, or restore it here)
    runner = empty_console.test_cli_runner()
    if _counts(empty_console) != counts:
        assert runner.invoke(args=["restore", str(path)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0
    assert "--force" in refused.output and "已有数据" in refused.output
    forced = runner.invoke(args=["restore", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _counts(empty_console) == counts


def test_a_damaged_archive_is_refused_before_anything_is_touched(backup_file, empty_console,
                                                                  tmp_path):
    path, _facts, _counts_ = backup_file
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(path) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.startswith("uploads/") and data:
                data = b"X" + data[1:]  # one evidence file changed after the backup
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    before = _counts(empty_console)
    result = empty_console.test_cli_runner().invoke(args=["restore", str(damaged), "--force"])
    assert result.exit_code != 0 and "与清单不符" in result.output
    assert _counts(empty_console) == before
