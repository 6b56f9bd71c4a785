"""Recompute the hash chain and every balance; report the first break."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pgtrigger
from django.db import connection, transaction

from ledger.anchoring import ExpectedHead, anchors_verify
from ledger.apps import NEVER_IGNORE_BODY
from ledger.chain import ENTRY_COLUMNS, ZERO_HASH, entry_digest, postings_by_entry
from ledger.selectors import HORIZON_SQL, trial_balance
from ledger.signing import PublicKey, trusted_public_keys

CHUNK = 5000


@dataclass
class VerificationReport:
    head_seq: int = 0
    head_hash: bytes = ZERO_HASH
    entries_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def ledger_verify(
    *, expected_heads: Sequence[ExpectedHead] = (), public_keys: Mapping[str, PublicKey] | None = None
) -> VerificationReport:
    """Walk the chain in sequence order and recompute every hash, then every balance.

    The recomputed chain must reach each expected head (known from outside
    the database) and every stored signed checkpoint, whose signatures are
    checked against `public_keys` (by default the configured keys).

    Runs in one REPEATABLE READ snapshot when it opens its own transaction so
    the chain and the balances are read at the same instant.
    """
    report = VerificationReport()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.in_atomic_block and len(connection.savepoint_ids) == 0:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _verify_guards(cursor, report)
        _verify_chain(cursor, report)
        report.problems += anchors_verify(
            verified_seq=report.head_seq,
            expected=expected_heads,
            public_keys=trusted_public_keys() if public_keys is None else public_keys,
        )
        _verify_entries_sealed(cursor, report)
        _verify_balances(cursor, report)
        _verify_trial_balance(cursor, report)
    return report


def _verify_guards(cursor, report: VerificationReport) -> None:  # noqa: ANN001
    """The database rules that keep the books are in force right now.

    The chain shows what a bypass has already changed; this shows an open
    door before anything goes through it: a ledger trigger missing, outdated,
    disabled (ALTER TABLE ... DISABLE TRIGGER) or running another function
    body than the code installs (CREATE OR REPLACE FUNCTION, which the
    tables' owner may do), or pgtrigger's ignore switch reopened, which would
    let any session skip the triggers.
    """
    # One read of every trigger on the ledger's tables: whether it is enabled,
    # the hash pgtrigger comments its own with, and the body of the function
    # each actually calls (by tgfoid, not by name). Foreign keys are triggers
    # too, named here by their constraint.
    cursor.execute(
        """
        SELECT t.tgname, c.relname, coalesce(k.conname, t.tgname), t.tgenabled IN ('D', 'R'),
               obj_description(t.oid, 'pg_trigger'), p.prosrc
          FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_proc p ON p.oid = t.tgfoid
          LEFT JOIN pg_constraint k ON k.oid = t.tgconstraint
         WHERE c.relnamespace = current_schema()::regnamespace AND starts_with(c.relname, 'ledger_')
        """
    )
    triggers = cursor.fetchall()
    installed = {pgid: (comment, body) for pgid, _table, _name, _disabled, comment, body in triggers}
    for model, trigger in pgtrigger.registered():
        if model._meta.app_label != "ledger":
            continue
        pgid, compiled = trigger.get_pgid(model), trigger.compile(model)
        if pgid not in installed or installed[pgid][0] != compiled.hash:  # as pgtrigger's own status
            status = "uninstalled" if pgid not in installed else "outdated"
            report.problems.append(
                f"database guard {trigger.get_uri(model)} is {status} (run manage.py migrate)"
            )
        elif installed[pgid][1] != _function_body(str(compiled.install_sql), pgid):
            report.problems.append(
                f"database guard {trigger.get_uri(model)} runs another function than the code installs "
                "(run manage.py pgtrigger install)"
            )
    for table, name in sorted({(table, name) for _pgid, table, name, disabled, *_ in triggers if disabled}):
        report.problems.append(f"database guard {name} on {table} is disabled")
    cursor.execute(
        "SELECT btrim(prosrc) FROM pg_proc "
        "WHERE oid = to_regprocedure('public._pgtrigger_should_ignore(name)')"
    )
    row = cursor.fetchone()
    if row is None or row[0] != NEVER_IGNORE_BODY:
        report.problems.append(
            "pgtrigger's ignore switch is open: any session could skip the ledger's triggers "
            "(run manage.py migrate to close it)"
        )


def _function_body(install_sql: str, pgid: str) -> str | None:
    """The body pgtrigger's install SQL gives the trigger's function, as pg_proc.prosrc keeps it."""
    found = re.search(
        rf"CREATE OR REPLACE FUNCTION {re.escape(pgid)}\(\)\s*RETURNS TRIGGER AS "
        r"\$\$(.*?)\$\$ LANGUAGE plpgsql;",
        install_sql,
        re.DOTALL,
    )
    return found.group(1) if found else None


def _verify_chain(cursor, report: VerificationReport) -> None:  # noqa: ANN001
    expected_seq, prev = 0, ZERO_HASH
    last_seq = 0
    while True:
        cursor.execute(
            f"SELECT s.seq, s.prev_hash, s.hash, s.entry_id, e.id IS NOT NULL, "
            f"{', '.join('e.' + c.strip() for c in ENTRY_COLUMNS.split(','))} "
            "FROM ledger_seal s LEFT JOIN ledger_entry e ON e.id = s.entry_id "
            "WHERE s.seq > %s ORDER BY s.seq LIMIT %s",
            [last_seq, CHUNK],
        )
        rows = cursor.fetchall()
        if not rows:
            break
        postings = postings_by_entry(cursor, [row[5] for row in rows if row[4]])
        for seq, prev_hash, stored_hash, sealed_entry_id, entry_exists, *entry in rows:
            expected_seq += 1
            prev_hash, stored_hash = bytes(prev_hash), bytes(stored_hash)
            if seq != expected_seq:
                report.problems.append(f"seal sequence jumps from {expected_seq - 1} to {seq}")
                return
            if not entry_exists:
                report.problems.append(f"seal {seq} (entry {sealed_entry_id}): its entry has been deleted")
                return
            entry_id = entry[0]
            if prev_hash != prev:
                report.problems.append(
                    f"seal {seq} (entry {entry_id}): previous-hash link broken (reordered or removed seal)"
                )
                return
            legs = postings[entry_id]
            if [leg[1] for leg in legs] != list(range(1, entry[10] + 1)):
                report.problems.append(f"seal {seq} (entry {entry_id}): postings missing or added")
                return
            digest = entry_digest(seq=seq, prev_hash=prev, entry=entry, postings=legs)
            if digest != stored_hash:
                report.problems.append(
                    f"seal {seq} (entry {entry_id}): hash mismatch, the entry or its postings were altered"
                )
                return
            prev = digest
            report.entries_checked += 1
            report.head_seq, report.head_hash = seq, digest
        last_seq = rows[-1][0]


def _verify_entries_sealed(cursor, report: VerificationReport) -> None:  # noqa: ANN001
    cursor.execute(
        "SELECT e.id FROM ledger_entry e WHERE NOT EXISTS "
        "(SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id) ORDER BY e.id LIMIT 1"
    )
    row = cursor.fetchone()
    if row:
        report.problems.append(f"entry {row[0]} is not sealed (run the sealer first)")


def _verify_balances(cursor, report: VerificationReport) -> None:  # noqa: ANN001
    # A balance row holds every posting of an account with a floor, and every
    # posting up to the checkpoint of any other account.
    cursor.execute(
        f"""
        SELECT coalesce(p.account_id, b.account_id), coalesce(p.fund_id, b.fund_id),
               coalesce(p.total, 0), coalesce(b.balance, 0)
          FROM (SELECT p.account_id, p.fund_id, sum(p.amount) AS total
                  FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
                 WHERE a.floor IS NOT NULL OR p.id <= {HORIZON_SQL}
                 GROUP BY p.account_id, p.fund_id) p
          FULL JOIN ledger_balance b ON b.account_id = p.account_id AND b.fund_id = p.fund_id
         WHERE coalesce(p.total, 0) <> coalesce(b.balance, 0)
         ORDER BY 1, 2 LIMIT 5
        """
    )
    for account_id, fund_id, total, balance in cursor.fetchall():
        report.problems.append(
            f"account {account_id} fund {fund_id}: stored balance {balance} but postings sum to {total}"
        )
    cursor.execute(
        """
        SELECT currency, fund_id, sum(amount) FROM ledger_posting
         GROUP BY currency, fund_id HAVING sum(amount) <> 0 ORDER BY 1, 2 LIMIT 5
        """
    )
    for currency, fund_id, total in cursor.fetchall():
        report.problems.append(f"trial balance of fund {fund_id} in {currency} is off by {total}")


def _verify_trial_balance(cursor, report: VerificationReport) -> None:  # noqa: ANN001
    """The trial balance, read as the reports read it, shows every account's postings.

    The reports add the postings since the checkpoint to the balance rows
    through ledger_unfolded_postings(); the rows are checked above, this
    checks the whole read path against the postings themselves.
    """
    cursor.execute("SELECT account_id, sum(amount) FROM ledger_posting GROUP BY account_id")
    totals = dict(cursor.fetchall())
    for row in trial_balance():
        if row.balance != totals.get(row.account_id, 0):
            report.problems.append(
                f"the trial balance shows {row.balance} for account {row.account_id} "
                f"but its postings sum to {totals.get(row.account_id, 0)}"
            )
            return
