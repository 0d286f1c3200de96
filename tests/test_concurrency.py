"""A void and a customs-usage insert racing on the same certificate never end with a voided
certificate that has usage (PostgreSQL: both take the certificate row FOR UPDATE first;
SQLite: both are write transactions, which begin with the database's write lock).

Each check is slowed down on purpose, so that without the row lock the other transaction
would slip in between the check and the commit."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from app import clock
from app.commands.records import create_record
from app.domain.errors import DomainError
from app.enums import CertificateState
from app.extensions import db
from app.models import Certificate, CustomsUsage
from app.services import certificates as svc
from app.workflows import run_step
from app.workflows.certificate import CertificateWorkflow
from tests import factories
from tests.conftest import DISTRICT_A

ROUNDS = 12
PAUSE = 0.05


def _prepare(app) -> list[int]:
    with app.app_context():
        reviewer = app.appbuilder.sm.find_user(username="huangpu")
        ids = []
        for _ in range(ROUNDS):
            cert = factories.certificate(factories.application(
                factories.enterprise(factories.bureau(DISTRICT_A)), products=1))
            db.session.commit()
            run_step(CertificateWorkflow, cert.id, "void", reviewer, {"reason": "竞争测试"})
            ids.append(cert.id)
        db.session.remove()
        return ids


def test_void_and_customs_usage_race(app, monkeypatch):
    ids = _prepare(app)
    slow_declarations = svc.usage_declarations

    def usage_declarations_slowly(cert):
        found = slow_declarations(cert)
        time.sleep(PAUSE)  # between "no usage" and the state change
        return found

    original_lock = svc.lock_certificate

    def lock_then_pause(certificate_id):
        cert = original_lock(certificate_id)
        time.sleep(PAUSE)  # between "not voided" and the insert
        return cert

    monkeypatch.setattr(svc, "usage_declarations", usage_declarations_slowly)
    monkeypatch.setattr(svc, "lock_certificate", lock_then_pause)

    outcomes = {"void": 0, "usage": 0}
    errors: list[BaseException] = []

    def void(cert_id, barrier):
        with app.app_context():
            try:
                reviewer = app.appbuilder.sm.find_user(username="reviewer")
                barrier.wait()
                run_step(CertificateWorkflow, cert_id, "approve_void", reviewer)
                outcomes["void"] += 1
            except DomainError:
                pass
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    def usage(cert_id, barrier, n):
        with app.app_context():
            try:
                barrier.wait()
                create_record(CustomsUsage(
                    certificate_id=cert_id, declaration_no=f"22012026{n:010d}", port="洋山港",
                    used_on=clock.today(), quantity=1))
                outcomes["usage"] += 1
            except DomainError:
                db.session.rollback()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    for n, cert_id in enumerate(ids):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=void, args=(cert_id, barrier)),
                   threading.Thread(target=usage, args=(cert_id, barrier, 900000 + n))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors

    with app.app_context():
        for cert_id in ids:
            cert = db.session.get(Certificate, cert_id)
            used = db.session.scalar(select(func.count()).select_from(CustomsUsage).where(
                CustomsUsage.certificate_id == cert_id))
            assert not (cert.state is CertificateState.voided and used), \
                f"certificate {cert.number} is voided and has {used} customs usage record(s)"
            assert cert.state is CertificateState.voided or used == 1
        db.session.remove()
    # exactly one side wins each round
    assert outcomes["void"] + outcomes["usage"] == ROUNDS
