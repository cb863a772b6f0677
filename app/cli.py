"""The `portal` command."""
from __future__ import annotations

import importlib
import os
import sys
from typing import Optional

import typer
from rich.console import Console

from app.core.config import get_settings

cli = typer.Typer(help="一网通办 portal: serve, migrate, seed, consult, audit.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
users_cli = typer.Typer(help="Accounts.", no_args_is_help=True)
audit_cli = typer.Typer(help="Audit log.", no_args_is_help=True)
ca_cli = typer.Typer(help="The e-seal platform's CA (the root key stays with this command).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(ca_cli, name="ca")
cli.add_typer(users_cli, name="users")
cli.add_typer(audit_cli, name="audit")
proactive_cli = typer.Typer(help="Proactive services (免申即享).", no_args_is_help=True)
cli.add_typer(proactive_cli, name="proactive")
console = Console()


@cli.callback()
def _startup():
    from app.services.seals import audit_timestamps

    audit_timestamps.register()  # audit checkpoints are timestamped, and verified, by the seals TSA


def _engine():
    from app.core.db import get_engine

    return get_engine()


def _unit_of_work():
    from app.core.db import session_factory

    return session_factory().begin()


@db_cli.command("upgrade")
def db_upgrade():
    """Apply every pending migration."""
    from app.core import migrate

    migrate.upgrade(_engine())
    console.print(f"database at {sorted(migrate.current_heads(_engine()))}")


def _optional(module: str, func: str):
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise
    return getattr(mod, func, None)


def _init_ca(session) -> None:
    from app.services.seals import offline

    for line in offline.init_platform(session):
        console.print(f"ca: {line}")


@ca_cli.command("init")
def ca_init():
    """Create the root CA (key in PORTAL_CA_DIR, never the database), the issuing CA and the TSA;
    upgrade older set-ups (move the root key out, re-issue certificates without a CRL point)."""
    with _unit_of_work() as session:
        _init_ca(session)
    console.print("ca: ready")


@cli.command()
def seed(demo: bool = typer.Option(False, "--demo", help="Also create the demo accounts and their data.")):
    """Load the catalogue (idempotent); with --demo, the demo accounts and their government data."""
    from app.matters.service import seed_catalogue

    settings = get_settings()
    if demo and settings.is_production:
        console.print("[red]refused: demo data is not allowed when PORTAL_ENV=production[/red]")
        raise typer.Exit(2)
    with _unit_of_work() as session:
        report = seed_catalogue(session)
        console.print(f"catalogue: {report.created} created, {report.updated} updated, {report.deleted} deleted")
        _init_ca(session)
        from app.services.seals.service import ensure_department_seals

        ensure_department_seals(session)
        from app.services.approval.service import seed_models

        console.print(f"decision models: {seed_models(session)} added")
        from app.services.window.service import seed_centres

        console.print(f"service centres and windows: {seed_centres(session)} changed")
        from app.services.proactive.points import seed_points  # the centres are points on the map

        console.print(f"service points: {seed_points(session)} changed")
        if demo:
            from app.identity.demo import seed_demo_accounts

            console.print(f"demo accounts: {seed_demo_accounts(session)} created")
            seed_data = _optional("app.services.datahub.service", "seed_demo")
            if seed_data:
                seed_data(session)
                console.print("demo government data: seeded")
            from app.services.demo import seed_demo_wallets

            console.print(f"demo licence wallets: {seed_demo_wallets(session)} licences issued")
            # The night's eligibility scan, once: the personas find what they may qualify for at first login.
            from app.services.proactive import scan

            report = scan.scan_batch(session, batch_size=100_000)
            console.print(f"proactive eligibility scan: {report['offers']} offers")


def _follow_port(host: str, port: int) -> None:
    """Links and QR codes on documents point to this server: PORTAL_BASE_URL, unless it is set,
    follows the host and port served (a wildcard host is reached as 127.0.0.1). Set in this process
    and in the environment that workers and child processes inherit."""
    from app.core.config import Settings

    if "base_url" in Settings().model_fields_set:  # given by the environment or .env
        return
    settings = get_settings()
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    settings.base_url = os.environ["PORTAL_BASE_URL"] = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"


PORT_OPTION = typer.Option(8000, envvar="PORT", help="Port to listen on (also the environment variable PORT).")


@cli.command()
def serve(host: str = "127.0.0.1", port: int = PORT_OPTION, workers: int = 1,
          reload: bool = typer.Option(False, help="Reload on code changes (development).")):
    """Serve the portal (migrates an un-migrated database in development; refuses in production)."""
    import uvicorn

    from app.core import migrate

    _follow_port(host, port)
    settings = get_settings()
    engine = _engine()
    if migrate.pending(engine):
        if settings.is_production:
            console.print("[red]The database is not migrated to the latest schema. Run `portal db upgrade` "
                          "first (refusing to start in production).[/red]")
            raise typer.Exit(3)
        console.print("database not at head: migrating (development)")
        migrate.upgrade(engine)
    engine.dispose()
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, reload=reload,
                access_log=False, log_config=None, proxy_headers=True)


@cli.command()
def worker(workers: int = typer.Option(2, help="Worker threads."),
           periodic: bool = typer.Option(True, help="Also run the scheduled jobs.")):
    """Run the task queue's consumer: scheduled jobs (deadlines, escalation) and background jobs."""
    import logging

    from app.core.logging import configure_logging
    from app.core.tasks import huey, load_task_modules

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    logging.getLogger("huey").setLevel(logging.INFO)
    load_task_modules()
    huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


@cli.command("run")
def run_all(host: str = "127.0.0.1", port: int = PORT_OPTION):
    """Serve the portal and run a task-queue worker beside it; stopping one stops both."""
    import signal
    import subprocess
    import time

    _follow_port(host, port)  # both children inherit the base URL
    portal = [sys.executable, "-m", "app.cli"]
    procs = [subprocess.Popen([*portal, "worker"]),
             subprocess.Popen([*portal, "serve", "--host", host, "--port", str(port)])]

    def stop(*_args):
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    raise typer.Exit(max((p.returncode or 0) for p in procs) if procs else 0)


@users_cli.command("add")
def users_add(username: str, role: str = typer.Option(..., help="applicant_person | applicant_enterprise | "
                                                                "window_officer | reviewer | evaluator | admin"),
              full_name: str = typer.Option(..., "--name"), password: str = typer.Option(..., prompt=True,
                                                                                          hide_input=True),
              id_number: Optional[str] = None, uscc: Optional[str] = None, phone: str = "",
              department: Optional[str] = None, window: Optional[str] = None):
    """Create an account (ID numbers and credit codes are validated)."""
    from app.core.errors import PortalError
    from app.identity import service
    from app.identity.models import Role

    try:
        with _unit_of_work() as session:
            user = service.create_user(session, username=username, password=password, role=Role(role),
                                       full_name=full_name, id_number=id_number, uscc=uscc, phone=phone,
                                       department_code=department, window_code=window, actor="cli")
            console.print(f"created {user.username} ({user.role.value})")
    except (PortalError, ValueError) as e:
        console.print(f"[red]{getattr(e, 'message', e)}[/red]")
        raise typer.Exit(1)


@users_cli.command("add-agent")
def users_add_agent(enterprise: str, person: str):
    """Authorise a person account to act for an enterprise account (an employee)."""
    from app.core.errors import PortalError
    from app.identity import service

    try:
        with _unit_of_work() as session:
            e, p = service.get_by_username(session, enterprise), service.get_by_username(session, person)
            if e is None or p is None:
                console.print("[red]no such user[/red]")
                raise typer.Exit(1)
            service.add_agent(session, e, p, actor="cli")
            console.print(f"{person} may now act for {enterprise}")
    except PortalError as err:
        console.print(f"[red]{err.message}[/red]")
        raise typer.Exit(1)


@audit_cli.command("verify")
def audit_verify():
    """Check the audit chain and its checkpoints; exit 1 on any edited, deleted or forged record."""
    from app.core.audit_verify import verify

    with _unit_of_work() as session:
        report = verify(session)
    for note in report.notes:
        console.print(f"[yellow]note: {note}[/yellow]")
    if report.ok:
        console.print(f"audit chain intact: {report.checked} records, {report.checkpoints} checkpoints")
        return
    for p in report.problems:
        console.print(f"[red]{p}[/red]")
    console.print(f"[red]audit chain BROKEN: {len(report.problems)} problem(s) in {report.checked} records, "
                  f"{report.checkpoints} checkpoints[/red]")
    raise typer.Exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Pin the chain's current head (MAC'd and timestamped), so later truncation is detected."""
    from app.core import audit

    with _unit_of_work() as session:
        cp = audit.checkpoint(session)
        if cp is None:
            console.print("the audit log is empty: nothing to checkpoint")
            return
        stamped = "timestamped" if cp.timestamp_token else "[yellow]NOT timestamped[/yellow]"
        console.print(f"checkpoint {cp.id}: head {cp.head_id} {cp.head_hash} ({cp.record_count} records), {stamped}")


@proactive_cli.command("run")
def proactive_run(batch_size: int = typer.Option(200, help="Records per committed batch."),
                  max_batches: Optional[int] = typer.Option(None, help="Stop after this many batches (resumable).")):
    """Run the eligibility scan now (it also runs nightly on the task queue), from the stored cursor."""
    from app.services.proactive import scan

    report = scan.run(_unit_of_work, batch_size=batch_size, max_batches=max_batches)
    state = "pass complete" if report["finished"] else "paused; the next run resumes from the cursor"
    console.print(f"proactive: {report['scanned']} records in {report['batches']} batches, {report['offers']} "
                  f"offers or grants, {report['policies_pushed']} policies pushed; {state}")


def _register_optional_commands() -> None:
    consult = _optional("app.matters.consultation.cli", "consult")
    if consult:
        cli.command("consult")(consult)
    from app.simulation.cli import simulate

    cli.command("simulate")(simulate)


_register_optional_commands()


def main() -> None:
    try:
        cli()
    except Exception as e:  # settings errors etc.: one clear line, not a traceback
        if type(e).__name__ == "ValidationError":
            console.print(f"[red]configuration error: {e}[/red]")
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
