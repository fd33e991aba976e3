"""Accounts and linking on SQLite and PostgreSQL: new accounts, successors, confusable matches,
known mode, and review decisions that outlive reprocessing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text

from extractor.document.result import DocumentResult, Finding, Issuer
from extractor.match.values import normalize
from extractor.service import link
from extractor.service.db import MIGRATIONS, Database, upgrade
from extractor.service.tables import DEFAULT_WORKSPACE, Account, Document, DocumentLink, Workspace


class HolderResult(DocumentResult):
    """A result that names the holder, as the pipeline may one day."""

    holder: str | None = None


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    database.ensure_workspace(DEFAULT_WORKSPACE, "auto")
    yield database
    database.engine.dispose()


def finding(value: str, kind: str = "customer_number", confidence: float = 0.9) -> Finding:
    return Finding(kind=kind, value=value, normalized=normalize(value), label="Customer No",
                   page=1, bbox=[0, 0, 1, 1], confidence=confidence, pattern="t", snippet=value)


def process(db: Database, name: str, date: str, *findings: Finding, issuer: str = "Acme Power",
            holder: str | None = None) -> list[dict]:
    """Store a document with this result and link it; its links as dicts."""
    result = HolderResult(file=name, sha256=name, issuer=Issuer(name=issuer, confidence=0.9),
                          document_date=date, findings=list(findings), holder=holder)
    with db.session() as session:
        document = session.scalar(select(Document).where(Document.sha256 == name))
        if document is None:
            document = Document(workspace_id=DEFAULT_WORKSPACE, sha256=name, filename=name,
                                size=1, document_date=dt.date.fromisoformat(date))
            session.add(document)
            session.flush()
        document.result = result.model_dump(mode="json")
        link.link_document(session, document, result)
        session.flush()
        return [{"id": k.id, "account": k.account_id, "method": k.method, "status": k.status,
                 "reason": k.reason, "confidence": k.confidence} for k in document.links]


def accounts(db: Database) -> list[Account]:
    with db.session() as session:
        rows = session.scalars(link.account_query(DEFAULT_WORKSPACE)).all()
        for row in rows:
            row.numbers_sorted = link.numbers_newest_first(row)
        return list(rows)


def set_mode(db: Database, mode: str) -> None:
    db.ensure_workspace(DEFAULT_WORKSPACE, mode)


def test_auto_mode_creates_then_reuses_an_account(db: Database) -> None:
    [first] = process(db, "a", "2024-01-10", finding("CN-1001"))
    [second] = process(db, "b", "2024-03-05", finding("cn 1001"), issuer="ACME  power")
    assert first["method"] == "new" and second["method"] == "exact"
    assert first["account"] == second["account"] and second["status"] == "linked"
    [account] = accounts(db)
    [number] = account.numbers_sorted
    assert (number.first_seen_date, number.last_seen_date) == (dt.date(2024, 1, 10),
                                                               dt.date(2024, 3, 5))


def test_numbers_of_one_document_share_an_account(db: Database) -> None:
    links = process(db, "a", "2024-01-10", finding("CN-1001"), finding("ACC 77", "account_number"))
    assert len({k["account"] for k in links}) == 1
    assert len(accounts(db)) == 1


def test_same_holder_with_a_new_number_is_a_successor(db: Database) -> None:
    [old] = process(db, "a", "2023-01-10", finding("CN-1001"), holder="Jane Doe")
    [new] = process(db, "b", "2024-06-01", finding("CN-2002"), holder="JANE DOE")
    assert new["method"] == "successor" and new["account"] != old["account"]
    successor = next(a for a in accounts(db) if a.id == new["account"])
    assert successor.predecessor_id == old["account"]
    # a number of another kind for the same holder joins the account instead
    [other] = process(db, "c", "2024-07-01", finding("ACC-9", "account_number"), holder="Jane Doe")
    assert other["method"] == "holder" and other["account"] == new["account"]


def test_current_number_is_the_newest_by_document_date(db: Database) -> None:
    process(db, "a", "2024-05-01", finding("CN-1001"), finding("CN-1002"))
    process(db, "b", "2022-01-01", finding("CN-1001"))
    process(db, "c", "2024-09-01", finding("CN-1002"))
    [account] = accounts(db)
    assert [n.normalized for n in account.numbers_sorted] == ["CN1002", "CN1001"]


def test_confusable_match_goes_to_review_with_lower_confidence(db: Database) -> None:
    with db.session() as session:
        link.import_accounts(session, DEFAULT_WORKSPACE,
                             [link.AccountRow("Acme Power", "AB-10050", "customer_number")])
    [hit] = process(db, "a", "2024-01-10", finding("A8-1OO5O"))
    assert hit["method"] == "confusable" and hit["status"] == "review"
    assert hit["reason"] == "confusable" and hit["confidence"] < 0.9
    assert hit["account"] == accounts(db)[0].id


@pytest.mark.parametrize(("known", "read"), [("D57921", "057921"), ("ZB-4410", "28-4410")])
def test_letters_ocr_reads_as_digits_match_confusably(db: Database, known: str, read: str) -> None:
    with db.session() as session:
        link.import_accounts(session, DEFAULT_WORKSPACE,
                             [link.AccountRow("Acme Power", known, "customer_number")])
    [hit] = process(db, "a", "2024-01-10", finding(read))
    assert hit["method"] == "confusable" and hit["account"] == accounts(db)[0].id


def test_migration_recomputes_confusable_forms(database_url: str) -> None:
    """Numbers stored under the old table (D and Z kept) are found by the new one."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = database_url
    command.upgrade(config, "0002")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO workspaces (id, mode, created_at) "
                                "VALUES ('w', 'auto', CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO accounts (id, workspace_id, issuer, issuer_key, "
                                "source, created_at) "
                                "VALUES ('a', 'w', 'Acme', 'acme', 'auto', CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO account_numbers (workspace_id, account_id, "
                                "normalized, confusable, value, kind) VALUES "
                                "('w', 'a', 'DZ15', 'DZ15', 'DZ15', 'customer_number')"))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT confusable FROM account_numbers")) == "0215"
    engine.dispose()


def test_confusable_match_needs_exactly_one_account(db: Database) -> None:
    with db.session() as session:
        link.import_accounts(session, DEFAULT_WORKSPACE, [
            link.AccountRow("Acme Power", "1050", "customer_number"),
            link.AccountRow("Acme Power", "IOSO", "customer_number")])
    [hit] = process(db, "a", "2024-01-10", finding("1O5O"))
    assert hit["account"] is None and hit["reason"] == "ambiguous"


def test_known_mode_links_only_imported_accounts(db: Database, tmp_path: Path) -> None:
    set_mode(db, "known")
    csv = tmp_path / "accounts.csv"
    csv.write_text("issuer,number,kind,holder\nAcme Power,CN-1001,customer_number,Jane Doe\n"
                   "Acme Power,ACC 77,account_number,Jane Doe\n")
    with db.session() as session:
        imported = link.import_accounts(session, DEFAULT_WORKSPACE, link.read_accounts_csv(csv))
    assert len({account.id for account, _new in imported}) == 1  # one holder: one account
    known, unknown = process(db, "a", "2024-01-10", finding("CN-1001"), finding("CN-3003"))
    assert known["status"] == "linked" and known["method"] == "exact"
    assert unknown["status"] == "review" and unknown["reason"] == "unknown_number"
    assert len(accounts(db)) == 1


def test_review_decisions_survive_reprocessing(db: Database) -> None:
    set_mode(db, "known")
    first, second = process(db, "a", "2024-01-10", finding("CN-1001"), finding("CN-2002"))
    with db.session() as session:
        workspace = session.get(Workspace, DEFAULT_WORKSPACE)
        assert workspace is not None and workspace.mode == "known"
        link.decide(session, session.get_one(DocumentLink, first["id"]), "confirm")
        link.decide(session, session.get_one(DocumentLink, second["id"]), "reject")
    created = accounts(db)
    assert len(created) == 1 and created[0].source == "review"
    first, second = process(db, "a", "2024-01-10", finding("CN-1001"), finding("CN-2002"))
    assert first["status"] == "linked" and first["account"] == created[0].id
    assert second["status"] == "rejected"


def test_low_confidence_and_missing_issuer_go_to_review(db: Database) -> None:
    [low] = process(db, "a", "2024-01-10", finding("CN-1001", confidence=0.55))
    assert low["status"] == "review" and low["reason"] == "low_confidence"
    result = DocumentResult(file="b", sha256="b", findings=[finding("CN-9")])
    with db.session() as session:
        document = Document(workspace_id=DEFAULT_WORKSPACE, sha256="b", filename="b", size=1)
        session.add(document)
        session.flush()
        link.link_document(session, document, result)
        assert [k.reason for k in document.links] == ["no_issuer"]
