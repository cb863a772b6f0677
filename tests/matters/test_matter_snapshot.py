"""get_matter reads a matter once per process (a snapshot copied into each session without SQL) and
once per unit of work; a seeding transaction's changes are seen while it lasts and the snapshot it may
have left is dropped when it ends, committed or not."""
import copy

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.matters import service

CODE = "temporary-assistance"


def _statements(conn) -> list[str]:
    seen: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_read_once_then_copied_without_sql(engine):
    with engine.connect() as conn:
        with Session(bind=conn) as first:
            original = service.get_matter(first, CODE)
            names = [m.name for m in original.materials]
        seen = _statements(conn)
        with Session(bind=conn) as second:
            m = service.get_matter(second, CODE)
            assert service.get_matter(second, CODE) is m  # once per unit of work
            assert [x.name for x in m.materials] == names and m.department.full_name and m.theme.name
            assert m in second  # a persistent object of this session, not the shared copy
        assert seen == []


def test_a_seeding_transaction_is_seen_while_it_lasts_and_forgotten_after(engine):
    data = copy.deepcopy(service.load_catalogue())
    entry = next(m for m in data["matters"] if m["code"] == CODE)
    original_name = entry["name"]
    entry["name"] = "临时救助（改名）"
    with Session(engine) as warm:
        assert service.get_matter(warm, CODE).name == original_name  # the snapshot holds the original
    with engine.connect() as conn:
        outer = conn.begin()
        seeding = Session(bind=conn, join_transaction_mode="create_savepoint")
        assert service.seed_catalogue(seeding, data).updated == 1
        assert service.get_matter(seeding, CODE).name == "临时救助（改名）"
        with Session(bind=conn) as reader:  # the same uncommitted transaction: sees the change
            assert service.get_matter(reader, CODE).name == "临时救助（改名）"
        seeding.close()  # its transaction ends (rolled back): whatever was read meanwhile is dropped
        outer.rollback()
    with Session(engine) as after:
        assert service.get_matter(after, CODE).name == original_name
