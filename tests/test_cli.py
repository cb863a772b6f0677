"""The `portal` command, run as a user would (a subprocess on a fresh SQLite file)."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = str(Path(sys.executable).with_name("portal"))


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ, PORTAL_DATABASE_URL=f"sqlite:///{tmp_path}/cli.db", PORTAL_ENV="development",
             PORTAL_DATA_DIR=str(tmp_path), PORTAL_LOG_JSON="false")
    e.pop("PORTAL_TEST_DATABASE_URL", None)
    return e


def run(env, *args, input=None):
    return subprocess.run([PORTAL, *args], env=env, capture_output=True, text=True, timeout=300, input=input)


def test_upgrade_seed_idempotent_users_and_audit(env, tmp_path):
    assert run(env, "db", "upgrade").returncode == 0
    first = run(env, "seed", "--demo")
    assert first.returncode == 0 and "76" not in first.stderr
    scanned = [ln for ln in first.stdout.splitlines() if ln.startswith("proactive eligibility scan: ")]
    assert scanned and int(scanned[0].split(": ")[1].split()[0]) >= 1, first.stdout  # citizen-elder: the allowance
    second = run(env, "seed", "--demo")
    assert "catalogue: 0 created, 0 updated, 0 deleted" in second.stdout
    assert "demo accounts: 0 created" in second.stdout
    bad = run(env, "users", "add", "zhang", "--role", "applicant_person", "--name", "张三",
              "--id-number", "310104199606121014", "--password", "Passw0rd!x")
    assert bad.returncode == 1 and "校验位" in bad.stdout
    ok = run(env, "users", "add", "zhang", "--role", "applicant_person", "--name", "张三",
             "--id-number", "11010519491231002X", "--password", "Passw0rd!x")
    assert ok.returncode == 0 and "created zhang" in ok.stdout
    verify = run(env, "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("UPDATE audit_record SET actor = 'mallory' WHERE id = 2")
    broken = run(env, "audit", "verify")
    assert broken.returncode == 1 and "record 2" in broken.stdout


def test_production_refuses_demo_dev_secret_and_unmigrated_db(env):
    prod = dict(env, PORTAL_ENV="production", PORTAL_SECRET_KEY="x" * 40)
    r = run(prod, "serve", "--port", "1")
    assert r.returncode == 3 and "portal db upgrade" in r.stdout
    assert run(prod, "db", "upgrade").returncode == 0
    r = run(prod, "seed", "--demo")
    assert r.returncode == 2 and "refused" in r.stdout
    r = run(dict(prod, PORTAL_SECRET_KEY=""), "db", "upgrade")
    assert r.returncode != 0 and "PORTAL_SECRET_KEY" in (r.stdout + r.stderr)


def test_consult_command(env):
    r = run(env, "consult", "公积金能付房租吗")
    assert r.returncode == 0 and "hpf-withdrawal-rent" in r.stdout


def test_consult_evaluate_reports_per_kind_and_hides_held_out_misses(env, tmp_path):
    f = tmp_path / "q.tsv"
    f.write_text("question\texpected\tkind\n身份证过期了\tid-card-renewal\tplain\n"
                 "居住證要帶什麼材料\tresidence-permit\ttrad\n咕咕证怎么办\tveteran-card\tplain\n", encoding="utf-8")
    shown = run(env, "consult", "--evaluate", str(f))
    assert shown.returncode == 0 and "miss [plain]: 咕咕证怎么办" in shown.stdout
    assert "trad          1 questions  top-1 1.000" in shown.stdout and "plain         2 questions  top-1 0.500" in shown.stdout
    figures = run(env, "consult", "--evaluate", str(f), "--no-misses")
    assert figures.returncode == 0 and "咕咕证" not in figures.stdout and "top-1 accuracy: 0.667" in figures.stdout


def test_audit_checkpoint_and_truncation_exit_codes(env, tmp_path):
    assert run(env, "db", "upgrade").returncode == 0
    assert run(env, "seed", "--demo").returncode == 0
    cp = run(env, "audit", "checkpoint")
    assert cp.returncode == 0 and "timestamped" in cp.stdout and "NOT" not in cp.stdout
    ok = run(env, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout and "1 checkpoints" in ok.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        (head,) = db.execute("SELECT max(id) FROM audit_record").fetchone()
        db.execute("DELETE FROM audit_record WHERE id > ?", (head - 2,))
    cut = run(env, "audit", "verify")
    assert cut.returncode == 1 and "truncated" in cut.stdout and "BROKEN" in cut.stdout
