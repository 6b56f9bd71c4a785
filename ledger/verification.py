"""Recompute the hash chain and every balance; report the first break."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pgtrigger
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from ledger.anchoring import ExpectedHead, anchors_verify
from ledger.chain import ZERO_HASH, EntryRow, entry_digest, postings_by_entry
from ledger.database import NEVER_IGNORE_BODY, pin_problems, role_problems
from ledger.models import EntryKind
from ledger.signing import PublicKey, trusted_public_keys

CHUNK = 5000
HORIZON_SQL = "coalesce((SELECT c.posting_horizon FROM ledger_checkpoint c ORDER BY c.id DESC LIMIT 1), 0)"


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
        report.problems.extend(role_problems(cursor))
        _verify_chain(cursor, report)
        report.problems += anchors_verify(
            verified_seq=report.head_seq,
            expected=expected_heads,
            public_keys=trusted_public_keys() if public_keys is None else public_keys,
        )
        _verify_entries_sealed(cursor, report)
        _verify_rules(cursor, report)
        _verify_balances(cursor, report)
        _verify_current_balances(cursor, report)
    return report


def _verify_guards(cursor: CursorWrapper, report: VerificationReport) -> None:
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
    report.problems.extend(pin_problems(cursor))


def _function_body(install_sql: str, pgid: str) -> str | None:
    """The body pgtrigger's install SQL gives the trigger's function, as pg_proc.prosrc keeps it."""
    found = re.search(
        rf"CREATE OR REPLACE FUNCTION {re.escape(pgid)}\(\)\s*RETURNS TRIGGER AS "
        r"\$\$(.*?)\$\$ LANGUAGE plpgsql;",
        install_sql,
        re.DOTALL,
    )
    return found.group(1) if found else None


def _verify_chain(cursor: CursorWrapper, report: VerificationReport) -> None:
    expected_seq, prev = 0, ZERO_HASH
    last_seq = 0
    while True:
        cursor.execute(
            f"SELECT s.seq, s.prev_hash, s.hash, s.entry_id, e.id IS NOT NULL, "
            f"{', '.join('e.' + name for name in EntryRow._fields)} "
            "FROM ledger_seal s LEFT JOIN ledger_entry e ON e.id = s.entry_id "
            "WHERE s.seq > %s ORDER BY s.seq LIMIT %s",
            [last_seq, CHUNK],
        )
        rows = cursor.fetchall()
        if not rows:
            break
        postings = postings_by_entry(cursor, [row[5] for row in rows if row[4]])
        for seq, prev_hash, stored_hash, sealed_entry_id, entry_exists, *columns in rows:
            entry = EntryRow._make(columns)
            expected_seq += 1
            prev_hash, stored_hash = bytes(prev_hash), bytes(stored_hash)
            if seq != expected_seq:
                report.problems.append(f"seal sequence jumps from {expected_seq - 1} to {seq}")
                return
            if not entry_exists:
                report.problems.append(f"seal {seq} (entry {sealed_entry_id}): its entry has been deleted")
                return
            entry_id = entry.id
            if prev_hash != prev:
                report.problems.append(
                    f"seal {seq} (entry {entry_id}): previous-hash link broken (reordered or removed seal)"
                )
                return
            legs = postings[entry_id]
            if [leg.leg_no for leg in legs] != list(range(1, entry.leg_count + 1)):
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


def _verify_entries_sealed(cursor: CursorWrapper, report: VerificationReport) -> None:
    cursor.execute(
        "SELECT e.id FROM ledger_entry e WHERE NOT EXISTS "
        "(SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id) ORDER BY e.id LIMIT 1"
    )
    row = cursor.fetchone()
    if row:
        report.problems.append(f"entry {row[0]} is not sealed (run the sealer first)")


def _verify_balances(cursor: CursorWrapper, report: VerificationReport) -> None:
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


def _verify_current_balances(cursor: CursorWrapper, report: VerificationReport) -> None:
    """Every current balance, as every reader reads it (ledger_current_balances), is its postings' sum."""
    cursor.execute(
        """
        SELECT coalesce(p.account_id, c.account_id), coalesce(p.fund_id, c.fund_id),
               coalesce(c.balance, 0), coalesce(p.total, 0)
          FROM (SELECT account_id, fund_id, sum(amount) AS total FROM ledger_posting
                 GROUP BY account_id, fund_id) p
          FULL JOIN ledger_current_balances() c ON c.account_id = p.account_id AND c.fund_id = p.fund_id
         WHERE coalesce(p.total, 0) <> coalesce(c.balance, 0)
         ORDER BY 1, 2 LIMIT 5
        """
    )
    for account_id, fund_id, shown, total in cursor.fetchall():
        report.problems.append(
            f"account {account_id} fund {fund_id}: balances read {shown} but its postings sum to {total}"
        )


# Each rule of the books, re-checked against the rows whatever let them in:
# (what a breach is called, a query for the first few breaches).
_KINDS = ", ".join(f"'{kind}'" for kind in EntryKind.values)
RULES = (
    (
        "posting {1} of entry {0} is in {2} but its account {3} is kept in {4}",
        """SELECT p.entry_id, p.leg_no, p.currency, p.account_id, a.currency
             FROM ledger_posting p LEFT JOIN ledger_account a ON a.id = p.account_id
            WHERE a.currency IS DISTINCT FROM p.currency ORDER BY p.id LIMIT 5""",
    ),
    (
        "posting {1} of entry {0} names fund {2}, which does not exist",
        """SELECT p.entry_id, p.leg_no, p.fund_id FROM ledger_posting p
            WHERE NOT EXISTS (SELECT 1 FROM ledger_fund f WHERE f.id = p.fund_id) ORDER BY p.id LIMIT 5""",
    ),
    (
        "posting {1} of entry {0} breaks the posting rules (amount {2}, leg count {3}, entry's {4})",
        """SELECT p.entry_id, p.leg_no, p.amount, p.leg_count, e.leg_count
             FROM ledger_posting p LEFT JOIN ledger_entry e ON e.id = p.entry_id
            WHERE p.amount = 0 OR p.leg_no < 1 OR p.leg_no > p.leg_count
               OR e.leg_count IS DISTINCT FROM p.leg_count
            ORDER BY p.id LIMIT 5""",
    ),
    (
        "entry {0} breaks the entry rules (kind {1}, {2} legs)",
        f"""SELECT e.id, e.kind, e.leg_count FROM ledger_entry e
             WHERE e.kind NOT IN ({_KINDS}) OR e.leg_count < 2
                OR (e.reverses_id IS NOT NULL AND e.kind <> 'reversal')
                OR (e.fx_rate IS NULL) <> (e.fx_rate_source = '') OR e.fx_rate <= 0
             ORDER BY e.id LIMIT 5""",
    ),
    (
        "entry {0} does not balance: {2} in fund {1} sums to {3}",
        """SELECT entry_id, fund_id, currency, sum(amount) FROM ledger_posting
            GROUP BY entry_id, fund_id, currency HAVING sum(amount) <> 0 ORDER BY 1 LIMIT 5""",
    ),
    (
        "entry {0} is dated {1}, inside the period closed at {2}, and was written after it closed",
        """SELECT e.id, e.date, c.closed_at FROM ledger_entry e
             JOIN ledger_closedperiod c ON e.date BETWEEN c.start_date AND c.end_date
            WHERE e.created_at >= c.closed_at ORDER BY e.id LIMIT 5""",
    ),
    (
        "closed periods {0} and {1} overlap",
        """SELECT a.id, b.id FROM ledger_closedperiod a JOIN ledger_closedperiod b
               ON a.id < b.id AND a.start_date <= b.end_date AND b.start_date <= a.end_date
            ORDER BY 1, 2 LIMIT 5""",
    ),
    (
        "reversal {0} does not mirror entry {1}",
        """SELECT r.id, r.reverses_id FROM ledger_entry r
            WHERE r.reverses_id IS NOT NULL AND EXISTS (
                (SELECT account_id, fund_id, currency, -amount FROM ledger_posting
                  WHERE entry_id = r.reverses_id
                 EXCEPT ALL
                 SELECT account_id, fund_id, currency, amount FROM ledger_posting WHERE entry_id = r.id)
                UNION ALL
                (SELECT account_id, fund_id, currency, amount FROM ledger_posting WHERE entry_id = r.id
                 EXCEPT ALL
                 SELECT account_id, fund_id, currency, -amount FROM ledger_posting
                  WHERE entry_id = r.reverses_id))
            ORDER BY r.id LIMIT 5""",
    ),
    (
        "entry {0} is reversed more than once",
        """SELECT reverses_id FROM ledger_entry WHERE reverses_id IS NOT NULL
            GROUP BY reverses_id HAVING count(*) > 1 ORDER BY 1 LIMIT 5""",
    ),
)


def _verify_rules(cursor: CursorWrapper, report: VerificationReport) -> None:
    """Every rule the database enforces on writing, re-checked against the rows as they are."""
    for message, query in RULES:
        cursor.execute(query)
        for row in cursor.fetchall():
            report.problems.append(message.format(*row))
