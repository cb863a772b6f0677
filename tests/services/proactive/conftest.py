"""Each proactive-service test starts from no offers, pushes or scan cursors, whatever tests that
commit (browser tests on the live server) left behind; the deletes are rolled back with the test."""
import pytest
from sqlalchemy import delete

from app.services.proactive.models import PolicyPush, ProactiveOffer, ScanCursor


@pytest.fixture(autouse=True)
def fresh_proactive_state(db_session):
    for model in (PolicyPush, ProactiveOffer, ScanCursor):
        db_session.execute(delete(model))
    db_session.flush()
    yield
