"""Link stage: numbers found on a document go to accounts (one customer at one issuer each).

Matching is exact on the normalized number within the issuer first, then tolerant of OCR
confusions (O/0, I/1, S/5, B/8) when exactly one account fits; such links, conflicts and
numbers no account takes go to review. A person's review decision outlives reprocessing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from extractor.document.result import DocumentResult, Finding, Kind
from extractor.errors import ReviewRefused
from extractor.match.values import normalize
from extractor.service.tables import (
    Account,
    AccountNumber,
    Document,
    DocumentLink,
    Workspace,
    new_id,
)
from extractor.text import confusable, key

CONFUSABLE_FACTOR = 0.6  # a confusable match keeps this share of the finding's confidence
REVIEW_BELOW = 0.6  # links of findings less confident than this go to review


def holder_of(result: DocumentResult) -> str | None:
    """The account holder's name, when the pipeline found one."""
    return result.holder


@dataclass(slots=True)
class AccountRow:
    """One known account to import: a CSV row or an API body."""

    issuer: str
    number: str
    kind: str
    holder: str | None = None


def _add_number(account: Account, value: str, kind: str, date: dt.date | None) -> None:
    normalized = normalize(value)
    for number in account.numbers:
        if number.normalized == normalized:
            _touch(number, date)
            return
    account.numbers.append(AccountNumber(
        workspace_id=account.workspace_id, normalized=normalized,
        confusable=confusable(normalized), value=value, kind=kind,
        first_seen_date=date, last_seen_date=date))


def _touch(number: AccountNumber, date: dt.date | None) -> None:
    if date is None:
        return
    number.first_seen_date = min(filter(None, (number.first_seen_date, date)))
    number.last_seen_date = max(filter(None, (number.last_seen_date, date)))


def _new_account(workspace_id: str, issuer: str, holder: str | None, source: str,
                 predecessor: Account | None = None) -> Account:
    return Account(id=new_id(), workspace_id=workspace_id, issuer=issuer, issuer_key=key(issuer),
                   holder=holder, holder_key=key(holder) if holder else None, source=source,
                   predecessor_id=predecessor.id if predecessor else None, numbers=[])


def _accounts(session: Session, workspace_id: str, issuer_key: str | None,
              column, value: str) -> list[Account]:
    query = (select(Account).join(AccountNumber)
             .where(AccountNumber.workspace_id == workspace_id, column == value).distinct())
    if issuer_key is not None:
        query = query.where(Account.issuer_key == issuer_key)
    return list(session.scalars(query))


def _matches(session: Session, workspace_id: str, issuer_key: str | None,
             numbers: list[str]) -> dict[str, tuple[str, list[Account]]]:
    """Per normalized number: the accounts with exactly it, else those with a confusable one;
    one query for all of them (an exact match is a confusable one too)."""
    query = (select(Account, AccountNumber.normalized, AccountNumber.confusable)
             .join(AccountNumber).where(AccountNumber.workspace_id == workspace_id,
                                        AccountNumber.confusable.in_(map(confusable, numbers))))
    if issuer_key is not None:
        query = query.where(Account.issuer_key == issuer_key)
    rows = session.execute(query).all() if numbers else []
    matches: dict[str, tuple[str, list[Account]]] = {}
    for number in numbers:
        exact = [account for account, found, _near in rows if found == number]
        near = [account for account, _found, near in rows if near == confusable(number)]
        matches[number] = (("exact", list(dict.fromkeys(exact))) if exact
                           else ("confusable", list(dict.fromkeys(near))))
    return matches


def _same_holder(session: Session, workspace_id: str, issuer_key: str,
                 holder: str | None) -> Account | None:
    """The newest account of the same holder at the issuer."""
    if not holder:
        return None
    return session.scalars(
        select(Account).where(Account.workspace_id == workspace_id,
                              Account.issuer_key == issuer_key, Account.holder_key == key(holder))
        .order_by(Account.created_at.desc()).limit(1)).first()


def _findings(result: DocumentResult) -> list[Finding]:
    """One finding per normalized number, the most confident."""
    best: dict[str, Finding] = {}
    for finding in result.findings:
        known = best.get(finding.normalized)
        if known is None or finding.confidence > known.confidence:
            best[finding.normalized] = finding
    return list(best.values())


def _locked(session: Session, workspace_id: str) -> Workspace:
    """The workspace, locked for the session's transaction (linking in it is one at a time);
    one query per session however many documents it links."""
    locked = session.info.setdefault("locked_workspaces", {})
    if workspace_id not in locked:
        locked[workspace_id] = session.get_one(Workspace, workspace_id, with_for_update=True)
    return locked[workspace_id]


def link_document(session: Session, document: Document, result: DocumentResult) -> None:
    """Replace the document's links with those of `result`, keeping earlier review decisions."""
    workspace = _locked(session, document.workspace_id)
    decisions = {link.normalized: (link.decision, link.account_id)
                 for link in document.links if link.decision}
    document.links.clear()
    session.flush()
    issuer = result.issuer.name if result.issuer else None
    issuer_key = key(issuer) if issuer else None
    holder = holder_of(result)
    date = document.document_date or document.created_at.date()
    findings = _findings(result)
    matches = _matches(session, workspace.id, issuer_key, [f.normalized for f in findings])
    anchor = next((accounts[0] for method, accounts in matches.values()
                   if method == "exact" and len(accounts) == 1), None)
    created: Account | None = None

    for finding in findings:
        method, accounts = matches[finding.normalized]
        account = accounts[0] if len(accounts) == 1 else None
        confidence = finding.confidence
        reason = None
        if account and method == "exact":
            _add_number(account, finding.value, finding.kind, date)
            if holder and account.holder and key(holder) != account.holder_key:
                reason = "holder_mismatch"
            elif holder and not account.holder:
                account.holder, account.holder_key = holder, key(holder)
        elif account:
            confidence *= CONFUSABLE_FACTOR
            reason = "confusable"
        elif accounts:
            reason = "ambiguous"
        elif issuer is None:
            method, reason = "none", "no_issuer"
        elif workspace.mode == "known":
            method, account, reason = "none", anchor, "unknown_number"
        else:
            account, method = anchor or created, "exact"
            if account is None:
                same = _same_holder(session, workspace.id, key(issuer), holder)
                if same is not None and all(n.kind != finding.kind for n in same.numbers):
                    account, method = same, "holder"
                else:  # a holder's changed number starts a successor account, not a merge
                    account = created = _new_account(workspace.id, issuer, holder, "auto", same)
                    session.add(account)
                    method = "successor" if same else "new"
            _add_number(account, finding.value, finding.kind, date)
        if reason is None and confidence < REVIEW_BELOW:
            reason = "low_confidence"
        link = DocumentLink(
            workspace_id=workspace.id, account_id=account.id if account else None,
            normalized=finding.normalized, value=finding.value, kind=finding.kind, method=method,
            confidence=round(confidence, 4), status="review" if reason else "linked",
            reason=reason)
        decision, chosen = decisions.get(finding.normalized, (None, None))
        if decision:
            link.decision = decision
            link.status = "linked" if decision == "confirm" else "rejected"
            link.account_id = chosen or link.account_id
        document.links.append(link)


def decide(session: Session, link: DocumentLink, decision: str,
           account_id: str | None = None) -> None:
    """Confirm (optionally to another account of the document's issuer, in its workspace) or
    reject a link under review; only a confirmation without any account makes one."""
    if link.status != "review":
        raise ReviewRefused("this link is not under review")
    if decision == "reject":
        link.decision, link.status = decision, "rejected"
        return
    document = link.document
    issuer = (document.result or {}).get("issuer") or {}
    account = session.get(Account, account_id or link.account_id) if (
        account_id or link.account_id) else None
    if account_id and (account is None or account.workspace_id != link.workspace_id
                       or account.issuer_key != key(issuer.get("name") or "")):
        raise ReviewRefused("no such account at the document's issuer")
    if account is None:
        if not issuer.get("name"):
            raise ReviewRefused("the document has no issuer: confirm it to an account_id")
        account = _new_account(link.workspace_id, issuer["name"], None, "review")
        session.add(account)
    if link.method != "confusable":
        _add_number(account, link.value, link.kind,
                    document.document_date or document.created_at.date())
    link.account_id, link.decision, link.status = account.id, decision, "linked"


def import_accounts(session: Session, workspace_id: str,
                    rows: Iterable[AccountRow]) -> list[tuple[Account, bool]]:
    """Known accounts, (account, created) per row; rows of one holder at one issuer share one."""
    imported: list[tuple[Account, bool]] = []
    by_holder: dict[tuple[str, str], Account] = {}
    for row in rows:
        issuer_key, holder = key(row.issuer), row.holder or None
        known = _accounts(session, workspace_id, issuer_key, AccountNumber.normalized,
                          normalize(row.number))
        if known:
            imported.append((known[0], False))
            continue
        account = by_holder.get((issuer_key, key(holder))) if holder else None
        if account is None:
            account = _new_account(workspace_id, row.issuer.strip(), holder, "imported")
            session.add(account)
            if holder:
                by_holder[(issuer_key, key(holder))] = account
        _add_number(account, row.number.strip(), row.kind, None)
        session.flush()
        imported.append((account, True))
    return imported


def account_query(workspace_id: str, issuer: str | None = None, holder: str | None = None,
                  number: str | None = None) -> Select[Account]:
    query = (select(Account).where(Account.workspace_id == workspace_id)
             .options(selectinload(Account.numbers)))
    if issuer:
        query = query.where(Account.issuer_key == key(issuer))
    if holder:
        query = query.where(Account.holder_key.contains(key(holder), autoescape=True))
    if number:
        query = query.where(Account.id.in_(select(AccountNumber.account_id).where(
            AccountNumber.workspace_id == workspace_id,
            AccountNumber.normalized == normalize(number))))
    return query.order_by(Account.issuer_key, Account.created_at, Account.id)


def account_history(session: Session, account: Account) -> tuple[list[str], list[DocumentLink]]:
    """The account's successors and its links, with their documents, newest first."""
    successors = session.scalars(select(Account.id).where(Account.predecessor_id == account.id))
    links = session.scalars(
        select(DocumentLink).join(Document).where(DocumentLink.account_id == account.id)
        .options(selectinload(DocumentLink.document))
        .order_by(Document.document_date.desc(), DocumentLink.id.desc()))
    return list(successors), list(links)


def numbers_newest_first(account: Account) -> list[AccountNumber]:
    """Numbers change over time: the first is the current one (newest document date)."""
    return sorted(account.numbers, reverse=True,
                  key=lambda n: (n.last_seen_date or dt.date.min, n.id or 0))


def read_accounts_csv(path: Path) -> list[AccountRow]:
    """Rows of a CSV file with a header: issuer, number, kind (optional), holder (optional)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not {"issuer", "number"} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path}: the header needs the columns issuer and number")
        rows = []
        for line, record in enumerate(reader, 2):
            kind = (record.get("kind") or "customer_number").strip()
            if kind not in get_args(Kind) or not record["issuer"] or not record["number"]:
                raise ValueError(f"{path}:{line}: needs issuer, number and a kind of "
                                 f"{', '.join(get_args(Kind))}")
            rows.append(AccountRow(record["issuer"], record["number"], kind,
                                   (record.get("holder") or "").strip() or None))
    return rows
