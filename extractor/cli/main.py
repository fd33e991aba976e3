"""The `custid` command line: thin wrappers over the library."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import AliasChoices
from rich.console import Console
from rich.table import Table

from extractor.document.result import DocumentResult
from extractor.errors import CustidError
from extractor.evaluate import evaluate
from extractor.match.packs import check_directory
from extractor.pipeline import Extractor
from extractor.service.sandbox import SandboxedExtractor
from extractor.settings import OcrMode, Settings, get_settings

if TYPE_CHECKING:
    from extractor.service.db import Database

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find customer and account numbers on invoices, bills and statements.")
patterns_app = typer.Typer(no_args_is_help=True, help="Pattern packs.")
app.add_typer(patterns_app, name="patterns")
err = Console(stderr=True)
OcrOption = Annotated[OcrMode | None, typer.Option(
    "--ocr", help="auto: top of page 1 first, more only when needed; full: every page; off: none "
         "(default: the ocr setting)")]


Folders = Annotated[list[str] | None, typer.Option(
    "--folder", help="An IMAP folder to read (repeatable; besides the address's)")]
Since = Annotated[datetime | None, typer.Option(
    help="IMAP: only mail received since this date", formats=["%Y-%m-%d"])]


def _extractor(ocr: OcrMode | None = None, kind: type[Extractor] = Extractor) -> Extractor:
    settings = get_settings()
    if ocr:
        settings = settings.model_copy(update={"ocr": ocr})
    try:
        return kind(settings)
    except CustidError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(exc.exit_status) from exc


def _table(results: list[DocumentResult]) -> Table:
    table = Table("file")
    table.add_column("number", no_wrap=True, min_width=12)
    for column in ("kind", "conf.", "label (page)", "issuer", "date"):
        table.add_column(column)
    for result in results:
        name = Path(result.file).name
        issuer = result.issuer.name if result.issuer else ""
        date = result.document_date or ""
        if result.error:
            table.add_row(name, result.error.code, "[red]error[/red]", "", result.error.message)
        elif not result.findings:
            table.add_row(name, "[dim]none found[/dim]", "", "", "", issuer, date)
        for finding in result.findings:
            table.add_row(name, finding.value, finding.kind.removesuffix("_number"),
                          f"{finding.confidence:.2f}", f"{finding.label} ({finding.page})",
                          issuer, date)
    return table


@app.command("extract")
def extract_command(
    files: Annotated[list[Path], typer.Argument(help="Documents to read")],
    json: Annotated[bool, typer.Option("--json", help="One JSON object a line per file")] = False,
    ocr: OcrOption = None,
) -> None:
    """Extract customer and account numbers from documents."""
    extractor = _extractor(ocr, SandboxedExtractor)  # the service's limits on memory and time
    results = []
    for path in files:
        result = extractor.extract_path(path)
        results.append(result)
        if json:
            sys.stdout.write(result.model_dump_json() + "\n")
            sys.stdout.flush()
    if not json:
        Console().print(_table(results))
    if any(r.error for r in results):
        raise typer.Exit(2)


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="Folder with documents and labels.jsonl")],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v",
                           help="Show each miss: numbers, false numbers, issuers, dates")
    ] = False,
    ocr: OcrOption = None,
) -> None:
    """Measure precision and recall (and issuer and date) against DIR/labels.jsonl."""
    extractor = _extractor(ocr)
    try:
        report = evaluate(extractor, directory)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if verbose:
        for line in report.details():
            typer.echo(line)
    typer.echo(report.summary())


@app.command()
def samples(
    out: Annotated[Path, typer.Argument(help="Folder to write documents and labels.jsonl into")],
    count: Annotated[int, typer.Option("--count", "-n", min=1)] = 100,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Write a labeled corpus of generated documents."""
    from samples.generator import generate

    records = generate(out, count, seed)
    negatives = sum(1 for r in records if not r["expected"])
    typer.echo(f"wrote {len(records)} documents ({negatives} without a number) to {out}")


@patterns_app.command("check")
def patterns_check(
    directory: Annotated[
        Path | None, typer.Argument(help="Pack folder (default: configured)")
    ] = None,
) -> None:
    """Validate pattern packs; errors name the file and line."""
    folder = directory or get_settings().patterns_dir
    errors = check_directory(folder)
    for error in errors:
        err.print(f"[red]error:[/red] {error.message}")
    if errors:
        raise typer.Exit(3)
    typer.echo(f"ok: {folder}")


accounts_app = typer.Typer(no_args_is_help=True, help="Accounts that numbers link to.")
app.add_typer(accounts_app, name="accounts")

DataDir = Annotated[Path | None, typer.Option(help="Originals and the SQLite database "
                                              "[env: CUSTID_DATA_DIR]")]
DatabaseUrl = Annotated[str | None, typer.Option(help="SQLAlchemy URL [env: DATABASE_URL]")]
RedisUrl = Annotated[str | None, typer.Option(help="Celery broker; unset: serve starts one "
                                              "[env: REDIS_URL]")]
Workers = Annotated[int | None, typer.Option(min=1, help="Worker processes [env: CUSTID_WORKERS]")]
ApiWorkers = Annotated[int | None, typer.Option(
    min=1, help="API processes; rate limits are per process [env: CUSTID_API_WORKERS]")]


def _configure(**flags: object) -> Settings:
    """Flags override the environment; set there, child processes see them too."""
    for name, value in flags.items():
        if value is not None:
            alias = Settings.model_fields[name].validation_alias
            env = alias.choices[0] if isinstance(alias, AliasChoices) else f"CUSTID_{name.upper()}"
            os.environ[str(env)] = str(value)
    get_settings.cache_clear()
    return get_settings()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the API")] = 8000,
    workers: Workers = None, api_workers: ApiWorkers = None, data_dir: DataDir = None,
    database_url: DatabaseUrl = None, redis_url: RedisUrl = None,
) -> None:
    """Run the service: the API, its workers, and Redis unless REDIS_URL is set. Ctrl-C stops."""
    from extractor.service.serve import serve as run

    settings = _configure(workers=workers, api_workers=api_workers, data_dir=data_dir,
                          database_url=database_url, redis_url=redis_url)
    raise typer.Exit(run(settings, host, port))


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the API")] = 8000,
    api_workers: ApiWorkers = None, data_dir: DataDir = None, database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
) -> None:
    """Run the API alone (workers run elsewhere); needs REDIS_URL."""
    from extractor.service.db import upgrade
    from extractor.service.metrics import multiprocess_env
    from extractor.service.serve import api_command

    settings = _configure(api_workers=api_workers, data_dir=data_dir, database_url=database_url,
                          redis_url=redis_url)
    os.environ.update(multiprocess_env(settings))
    if settings.api_workers > 1:
        upgrade(settings.database)  # once, not by each API process at the same moment
    _exec(api_command(host, port, settings.api_workers, settings.trusted_proxies), settings)


def _exec(command: list[str], settings: Settings) -> None:
    if not settings.redis_url:
        err.print("[red]error:[/red] set REDIS_URL (or --redis-url)")
        raise typer.Exit(2)
    os.execv(command[0], command)


@app.command()
def worker(workers: Workers = None, data_dir: DataDir = None, database_url: DatabaseUrl = None,
           redis_url: RedisUrl = None) -> None:
    """Run worker processes alone (the API runs elsewhere); needs REDIS_URL."""
    from extractor.service.metrics import multiprocess_env
    from extractor.service.serve import worker_command

    settings = _configure(workers=workers, data_dir=data_dir, database_url=database_url,
                          redis_url=redis_url)
    os.environ.update(multiprocess_env(settings))
    _exec(worker_command(settings.workers), settings)


@app.command()
def status(
    json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
    data_dir: DataDir = None, database_url: DatabaseUrl = None, redis_url: RedisUrl = None,
) -> None:
    """Queue depth, workers answering, documents a minute and the last hour's failures."""
    from dataclasses import asdict
    from json import dumps

    from kombu.exceptions import OperationalError

    from extractor.service.db import database
    from extractor.service.sinks import service_redis
    from extractor.service.status import RATE_MINUTES
    from extractor.service.status import status as read_status

    settings = _configure(data_dir=data_dir, database_url=database_url, redis_url=redis_url)
    url = service_redis(settings)
    if not url:
        err.print("[red]error:[/red] set REDIS_URL (or --redis-url): no custid serve runs on "
                  "this data directory")
        raise typer.Exit(2)
    settings = _configure(redis_url=url)
    try:
        found = read_status(database(settings.database))
    except OperationalError as exc:
        err.print(f"[red]error:[/red] the queue cannot be read: {exc}")
        raise typer.Exit(2) from exc
    if json:
        typer.echo(dumps(asdict(found)))
        return
    depths = ", ".join(f"{name} {depth}" for name, depth in found.queue_depth.items())
    codes = ", ".join(f"{code} {count}" for code, count in found.failures_by_code.items())
    typer.echo(f"queue depth: {depths}")
    typer.echo(f"workers: {len(found.workers)}" + (f" ({', '.join(found.workers)})"
                                                   if found.workers else ""))
    typer.echo(f"documents a minute: {found.documents_per_minute} "
               f"(the last {RATE_MINUTES} minutes)")
    typer.echo(f"failures in the last hour: {found.failures_last_hour}"
               + (f" ({codes})" if codes else ""))


@accounts_app.command("import")
def accounts_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns issuer, number, kind, holder")],
    data_dir: DataDir = None, database_url: DatabaseUrl = None,
) -> None:
    """Load known accounts (for workspace mode `known`, or to name holders)."""
    from extractor.service.db import database, upgrade
    from extractor.service.link import import_accounts, read_accounts_csv
    from extractor.service.tables import DEFAULT_WORKSPACE

    settings = _configure(data_dir=data_dir, database_url=database_url)
    try:
        rows = read_accounts_csv(file)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    upgrade(settings.database)
    db = database(settings.database)
    db.ensure_workspace(DEFAULT_WORKSPACE, settings.workspace_mode)
    with db.session() as session:
        imported = import_accounts(session, DEFAULT_WORKSPACE, rows)
    created = len({account.id for account, new in imported if new})
    typer.echo(f"{len(rows)} rows: {created} new accounts, "
               f"{sum(not new for _a, new in imported)} numbers known already")


keys_app = typer.Typer(no_args_is_help=True, help="API keys (each of a workspace, with a role).")
app.add_typer(keys_app, name="keys")


class RoleName(StrEnum):
    admin = "admin"
    member = "member"
    reader = "reader"


def _database(data_dir: Path | None, database_url: str | None) -> Database:
    """The configured database, migrated."""
    from extractor.service.db import database, upgrade

    settings = _configure(data_dir=data_dir, database_url=database_url)
    upgrade(settings.database)
    return database(settings.database)


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str, typer.Option(help="Workspace (created if new)")],
    role: Annotated[RoleName, typer.Option(help="admin, member or reader")],
    data_dir: DataDir = None, database_url: DatabaseUrl = None,
) -> None:
    """Create a key; it is printed once, alone on the last line."""
    from extractor.service.auth import create_key

    if not 0 < len(workspace) <= 32:
        err.print("[red]error:[/red] a workspace name has 1 to 32 characters")
        raise typer.Exit(2)
    db = _database(data_dir, database_url)
    with db.session() as session:
        row, key = create_key(session, workspace, role.value, get_settings().workspace_mode)
    typer.echo(f"key {row.id} ({row.role}) of workspace {row.workspace_id}; keep it safe, "
               "it is not shown again:")
    typer.echo(key)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (keys list)")],
                data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Revoke a key at once."""
    from extractor.service.auth import revoke

    with _database(data_dir, database_url).session() as session:
        if not revoke(session, key_id):
            err.print(f"[red]error:[/red] no live key {key_id}")
            raise typer.Exit(2)
    typer.echo(f"revoked {key_id}")


@keys_app.command("list")
def keys_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Every key: id, workspace, role, created, revoked."""
    from extractor.service.auth import list_keys

    table = Table("id", "workspace", "role", "created", "revoked")
    with _database(data_dir, database_url).session() as session:
        for row in list_keys(session):
            table.add_row(row.id, row.workspace_id, row.role, f"{row.created_at:%Y-%m-%d %H:%M}",
                          f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "")
    Console().print(table)


@app.command()
def erase(
    account: Annotated[str | None, typer.Option(help="The account's id")] = None,
    number: Annotated[str | None, typer.Option(help="A number, with --issuer")] = None,
    issuer: Annotated[str | None, typer.Option(help="The number's issuer")] = None,
    workspace: Annotated[str, typer.Option(help="Workspace of --number")] = "default",
    data_dir: DataDir = None, database_url: DatabaseUrl = None,
) -> None:
    """Erase an account with every document, original and result that named it."""
    from extractor.service.erase import accounts_with
    from extractor.service.erase import erase as erase_accounts
    from extractor.service.store import open_store
    from extractor.service.tables import Account

    if bool(account) == bool(number) or bool(number) != bool(issuer):
        err.print("[red]error:[/red] give --account ID, or --number N with --issuer I")
        raise typer.Exit(2)
    db = _database(data_dir, database_url)
    with db.session() as session:
        found = session.get(Account, account) if account else None
        accounts = ([found] if found else []) if account else accounts_with(
            session, workspace, number or "", issuer or "")
        if not accounts:
            err.print("[red]error:[/red] no such account")
            raise typer.Exit(2)
        erased = erase_accounts(session, open_store(get_settings()), accounts[0].workspace_id,
                                accounts, documents=True, by="cli")
    typer.echo(f"erased {erased.accounts} account(s) and {erased.documents} document(s)")


@app.command()
def ingest(
    folder: Annotated[str, typer.Argument(help="Folder (walked recursively), file, mailbox or "
                                          "IMAP account (imaps://USER@HOST[:PORT]/FOLDER)")],
    server: Annotated[str | None, typer.Option(help="A running service's URL; default: the "
                                               "embedded database and data directory")] = None,
    key: Annotated[str | None, typer.Option(help="API key for --server",
                                            envvar="CUSTID_API_KEY")] = None,
    report: Annotated[Path | None, typer.Option(help="Every file's outcome: .csv or .jsonl")]
    = None,
    reveal: Annotated[bool, typer.Option(help="Full numbers in the report, not masked")] = False,
    watch: Annotated[bool, typer.Option(help="Keep ingesting new files (or new mail) until "
                                        "Ctrl-C")] = False,
    poll: Annotated[bool, typer.Option(help="Watch by polling (network drives)")] = False,
    settle: Annotated[float, typer.Option(min=0, help="Seconds a new file must stay unchanged "
                                          "before it is read (--watch)")] = 2.0,
    move_to: Annotated[Path | None, typer.Option(help="Move processed files here")] = None,
    workers: Workers = None, data_dir: DataDir = None, database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None, imap_folder: Folders = None, since: Since = None,
    every: Annotated[float, typer.Option(min=0.1, help="Seconds between looks for new mail "
                                         "(--watch of an IMAP account)")] = 30.0,
) -> None:
    """Ingest every document under a folder; run again after Ctrl-C to go on."""
    from extractor.cli.ingest import ingest_command

    settings = _configure(workers=workers, data_dir=data_dir, database_url=database_url,
                          redis_url=redis_url)
    raise typer.Exit(ingest_command(
        settings, folder, server=server, key=key, report=report, reveal=reveal,
        watching=watch, poll=poll, settle=settle, move_to=move_to, workers=settings.workers,
        folders=imap_folder or [], since=since.date() if since else None, every=every))


@app.command()
def recover(
    paths: Annotated[list[str], typer.Argument(
        help="Documents, folders (walked), mbox files, Maildir folders, IMAP accounts "
             "(imaps://USER@HOST[:PORT]/FOLDER; password: CUSTID_IMAP_PASSWORD or a prompt)")],
    issuer: Annotated[str | None, typer.Option(help="Only issuers like this (tolerant)")] = None,
    json: Annotated[bool, typer.Option("--json", help="One JSON object a line per number")]
    = False,
    evidence: Annotated[Path | None, typer.Option(help="Write a PNG of each number's place "
                                                  "into this folder")] = None,
    workers: Workers = None, folder: Folders = None, since: Since = None,
) -> None:
    """Find your customer numbers again, per issuer, newest first (no service needed)."""
    from extractor.cli.recover import recover_command

    settings = _configure(workers=workers)
    raise typer.Exit(recover_command(paths, issuer, json, evidence, settings.workers, settings,
                                     folder, since.date() if since else None))
