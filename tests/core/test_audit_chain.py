"""The keyed audit chain: edits, rebuilt chains, deletions and truncation are all reported."""
import hashlib
import os
import threading
import time

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit_models import AuditCheckpoint, AuditRecord
from app.core.audit_verify import verify
from app.core.config import get_settings
from app.services.seals.exceptions import InvalidTimestamp


@pytest.fixture
def tsa(app):
    """The app registers the seals TSA for checkpoints at start-up (as the CLI does)."""
    assert audit.timestamp_verifier() is not None
    yield


def write(session: Session, n: int, action: str = "test.event") -> list[AuditRecord]:
    recs = [audit.record(session, actor="tester", action=action, object_id=str(i), ip="127.0.0.1") for i in range(n)]
    session.commit()  # chained here (a savepoint of the test's rolled-back transaction)
    return recs


def problems(session: Session) -> list[str]:
    session.expire_all()
    return verify(session).problems


def test_records_are_chained_with_the_audit_key(db_session):
    recs = write(db_session, 3)
    assert [r.id for r in recs] == [recs[0].id, recs[0].id + 1, recs[0].id + 2]
    assert recs[1].prev_hash == recs[0].hash and recs[2].prev_hash == recs[1].hash
    assert all(r.algo == "hmac-sha256" and r.key_id == audit.key_id() for r in recs)
    # Not a plain hash: without the key the value cannot be recomputed.
    assert recs[1].hash != audit.digest(recs[1].prev_hash, recs[1], audit.ALGO_LEGACY)
    assert problems(db_session) == []


def test_an_edited_record_is_detected(db_session):
    rid = write(db_session, 3)[1].id
    db_session.execute(text("UPDATE audit_record SET outcome = 'forged' WHERE id = :id"), {"id": rid})
    found = problems(db_session)
    assert any(f"record {rid}: MAC does not match" in p for p in found), found


@pytest.mark.parametrize("label", ["sha256", "hmac-sha256"])
def test_a_chain_rebuilt_without_the_key_is_detected(db_session, label):
    """The attacker edits a record and recomputes every hash after it with plain SHA-256."""
    target = write(db_session, 4)[1]
    db_session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(actor="mallory"))
    db_session.expire_all()
    prev = db_session.get(AuditRecord, target.id - 1).hash
    for rec in db_session.scalars(select(AuditRecord).where(AuditRecord.id >= target.id).order_by(AuditRecord.id)):
        rec.prev_hash, rec.algo = prev, label
        rec.hash = prev = audit.digest(prev, rec, audit.ALGO_LEGACY)
    db_session.flush()
    found = problems(db_session)
    assert found and not any("link" in p for p in found), found  # the links are consistent again...
    expected = "unkeyed (sha256) after the keyed chain began" if label == "sha256" else "MAC does not match"
    assert any(f"record {target.id}: {expected}" in p for p in found), found  # ...but not the key


def test_a_whole_chain_rebuilt_as_legacy_is_caught_by_the_checkpoint(db_session):
    write(db_session, 2)
    cp = audit.checkpoint(db_session)
    db_session.execute(update(AuditRecord).where(AuditRecord.id == 1).values(actor="mallory"))
    db_session.expire_all()
    prev = audit.GENESIS
    for rec in db_session.scalars(select(AuditRecord).order_by(AuditRecord.id)):
        rec.prev_hash, rec.algo = prev, "sha256"
        rec.hash = prev = audit.digest(prev, rec, audit.ALGO_LEGACY)
    db_session.flush()
    found = problems(db_session)
    assert any(f"checkpoint {cp.id} (head {cp.head_id}): record {cp.head_id} is not the one checkpointed" in p
               for p in found), found


def test_deleting_a_middle_record_is_detected(db_session):
    rid = write(db_session, 3)[1].id
    db_session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": rid})
    found = problems(db_session)
    assert f"records {rid}..{rid} are missing (deleted)" in found
    assert f"record {rid + 1}: link to the previous record is broken" in found


def test_deleting_the_newest_records_after_a_checkpoint_is_detected(db_session):
    ids = [r.id for r in write(db_session, 5)]
    cp = audit.checkpoint(db_session)
    assert cp.head_id == ids[-1] and cp.head_hash == db_session.get(AuditRecord, ids[-1]).hash
    db_session.commit()
    assert problems(db_session) == []
    db_session.execute(text("DELETE FROM audit_record WHERE id >= :id"), {"id": ids[3]})
    found = problems(db_session)
    assert any(f"the chain ends at record {ids[2]}" in p and "truncated" in p for p in found), found


def test_a_forged_checkpoint_is_detected(db_session):
    write(db_session, 2)
    cp = audit.checkpoint(db_session)
    db_session.execute(update(AuditCheckpoint).where(AuditCheckpoint.id == cp.id).values(record_count=1))
    found = problems(db_session)
    assert any(f"checkpoint {cp.id}" in p and "MAC does not match" in p for p in found), found


def test_a_checkpoint_is_timestamped_by_the_tsa(db_session, tsa):
    write(db_session, 2)
    cp = audit.checkpoint(db_session)
    assert cp.timestamp_token
    digest = hashlib.sha256(audit.checkpoint_payload(cp)).digest()
    stamped_at = audit.timestamp_verifier()(db_session, cp.timestamp_token, digest)
    assert abs((stamped_at - cp.at).total_seconds()) < 60
    with pytest.raises(InvalidTimestamp, match="does not match"):
        audit.timestamp_verifier()(db_session, cp.timestamp_token, hashlib.sha256(b"another head").digest())
    report = verify(db_session)
    assert report.ok and not any(f"checkpoint {cp.id} " in n for n in report.notes), report.notes
    # A token taken from another checkpoint does not vouch for this one.
    write(db_session, 1)
    other = audit.checkpoint(db_session)
    db_session.execute(update(AuditCheckpoint).where(AuditCheckpoint.id == other.id)
                       .values(timestamp_token=cp.timestamp_token))
    found = problems(db_session)
    assert any(f"checkpoint {other.id}" in p and "timestamp token does not verify" in p for p in found), found


def test_automatic_checkpoint_every_n_records(db_session, tsa, monkeypatch):
    monkeypatch.setattr(get_settings(), "audit_checkpoint_every", 3)
    before = db_session.scalar(select(AuditCheckpoint.id).order_by(AuditCheckpoint.id.desc()).limit(1)) or 0
    recs = write(db_session, 3)
    cps = db_session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.id > before)).all()
    assert len(cps) == 1 and cps[0].head_id == recs[-1].id and cps[0].timestamp_token


def test_another_audit_key_reads_as_such(db_session, monkeypatch):
    rec = write(db_session, 1)[0]
    monkeypatch.setattr(get_settings(), "audit_key", "a-separate-audit-key-0123456789abcdef")
    assert audit.key_id() != rec.key_id
    found = problems(db_session)
    assert any(f"record {rec.id}: keyed with another audit key" in p for p in found), found


def test_a_rolled_back_savepoint_takes_its_records_with_it(db_session):
    before = db_session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    audit.record(db_session, actor="tester", action="test.kept")
    with pytest.raises(RuntimeError):
        with db_session.begin_nested():
            audit.record(db_session, actor="tester", action="test.dropped")
            raise RuntimeError
    db_session.commit()
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.id > before)).all()
    assert actions == ["test.kept"]


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("PORTAL_TEST_DATABASE_URL"),
                    reason="PostgreSQL only: on SQLite the chain takes the database's write lock before it reads the head")
def test_recording_takes_no_lock_until_commit(engine):
    """Work between an audit record and COMMIT (sealing a PDF…) no longer holds up other writers."""
    with Session(engine) as slow, Session(engine) as fast:
        audit.record(slow, actor="slow", action="test.slow")
        slow.execute(select(AuditRecord.id).limit(1))  # the slow unit of work is under way
        fast.execute(text("SET LOCAL lock_timeout = '2s'"))
        audit.record(fast, actor="fast", action="test.fast")
        fast.commit()  # the old code waited here for `slow` and failed on the lock timeout
        slow.commit()
        ids = slow.scalars(select(AuditRecord.action).where(AuditRecord.action.in_(["test.slow", "test.fast"]))
                           .order_by(AuditRecord.id)).all()
    assert ids[-2:] == ["test.fast", "test.slow"]
    with Session(engine) as s:
        assert verify(s).problems == []


def test_concurrent_writers_keep_one_chain(engine):
    threads, per_thread, errors = 6, 15, []

    def writer(n: int) -> None:
        try:
            for i in range(per_thread):
                with Session(engine) as s:
                    audit.record(s, actor=f"thread-{n}", action="test.concurrent", object_id=str(i))
                    time.sleep(0.002)  # the rest of the unit of work
                    audit.record(s, actor=f"thread-{n}", action="test.concurrent.second", object_id=str(i))
                    s.commit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    with Session(engine) as s:
        before = s.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1)) or 0
    pool = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    with Session(engine) as s:
        rows = s.execute(select(AuditRecord.id, AuditRecord.action, AuditRecord.actor, AuditRecord.object_id)
                         .where(AuditRecord.id > before).order_by(AuditRecord.id)).all()
        assert len(rows) == threads * per_thread * 2
        assert [r.id for r in rows] == list(range(before + 1, before + 1 + len(rows)))
        # each unit of work's two records are adjacent: a transaction's records are chained together
        pairs = list(zip(rows[::2], rows[1::2]))
        assert all(a.actor == b.actor and a.object_id == b.object_id for a, b in pairs)
        assert verify(s).problems == []
