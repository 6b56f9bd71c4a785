"""Ledger benchmark: posting throughput and balance latency at N postings.

    python bench/ledger_bench.py [--postings N]

Creates a database of its own (tadamun_bench_<pid>) on the configured server
(DATABASE_URL, or the embedded one), migrates it, creates 10,000 EUR accounts
and one fund, loads N two-posting entries' worth of postings through
ledger.services.entries_post_bulk, then measures serial posting through
ledger.services.entry_post, posting from 4 processes on random pairs of
accounts (the entry specs are drawn before the clock starts), and the latency
of the balance and trial-balance selectors after a balance checkpoint. Prints
one JSON line per figure on stdout; progress goes to stderr. The database is
dropped at the end, also on failure.
"""

import argparse
import datetime
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, Python looks in bench/ first: config and the apps are here

DATE = datetime.date(2026, 3, 14)
CURRENCY = "EUR"
HOT_SHARE = 0.1  # share of loaded entries that touch the busiest account


def log(message: str) -> None:
    try:
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        load = "?"
    print(f"[bench {time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


def django_setup(db_name: str | None = None) -> None:
    """Configure Django; with db_name, every connection goes to that database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    if db_name is not None:
        use_database(db_name)


def use_database(name: str) -> None:
    """Point every connection (the runtime role's and the owner's) at database `name`, kept open."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    for config in settings.DATABASES.values():
        config["NAME"] = name
        config["CONN_MAX_AGE"] = None


def admin_connection():
    """The owner role's connection when there is one: it creates databases and tables and
    reads balance rows; the runtime role (`default`) only reads and inserts the books."""
    from django.conf import settings
    from django.db import connections

    return connections["owner" if "owner" in settings.DATABASES else "default"]


def emit(figure: str, value: float, unit: str) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit}), flush=True)


def pair_spec(rng: random.Random, accounts: list[int], fund_id: int, hot: int | None = None):
    """A two-posting entry between two distinct random accounts (or hot and a random one)."""
    from ledger.services import EntrySpec, PostingSpec

    debit = hot if hot is not None else rng.choice(accounts)
    credit = rng.choice(accounts)
    while credit == debit:
        credit = rng.choice(accounts)
    amount = rng.randint(1, 1_000_000)
    if rng.random() < 0.5:
        debit, credit = credit, debit
    return EntrySpec(
        idempotency_key=uuid.uuid4(),
        postings=(
            PostingSpec(debit, fund_id, CURRENCY, amount),
            PostingSpec(credit, fund_id, CURRENCY, -amount),
        ),
        date=DATE,
    )


# --- the steps ------------------------------------------------------------


def admin_database(configured: str) -> str:
    """Where to run CREATE and DROP DATABASE: the configured database, or the
    server's maintenance database `postgres` when the configured one does not
    exist yet (the bench needs only the server)."""
    from django.db import OperationalError

    connection = admin_connection()
    try:
        connection.ensure_connection()
        return configured
    except OperationalError:
        use_database("postgres")
        log(f"database {configured} not found: creating the bench's own from postgres")
        return "postgres"


def create_database(name: str) -> None:
    connection = admin_connection()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
        cursor.execute("SELECT version()")
        log(cursor.fetchone()[0])
        cursor.execute("SHOW synchronous_commit")
        log(f"synchronous_commit = {cursor.fetchone()[0]}")
    connection.close()


def drop_database(name: str, admin_name: str) -> None:
    from django.db import connections

    use_database(admin_name)
    with admin_connection().cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connections.close_all()
    log(f"dropped database {name}")


def calibrate() -> None:
    """Log how fast this machine is right now: the figures swing with it on a shared VM."""
    connection = admin_connection()
    started = time.perf_counter()
    sum(range(10_000_000))
    cpu_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_probe (id serial PRIMARY KEY)")
        started = time.perf_counter()
        for _ in range(300):
            cursor.execute("INSERT INTO bench_probe DEFAULT VALUES")
        commits = 300 / (time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_probe")
    log(f"machine: python sum(range(1e7)) {cpu_s:.2f} s, {commits:,.0f} one-row commits/s")


def create_chart(n_accounts: int) -> tuple[list[int], int]:
    from ledger.models import Account, AccountType
    from ledger.services import fund_create

    fund = fund_create(code="general", name="General fund")
    types = [AccountType.ASSET, AccountType.LIABILITY, AccountType.INCOME, AccountType.EXPENSE]
    Account.objects.bulk_create(
        [
            Account(code=f"{i:05d}", name=f"Account {i}", type=types[i % 4], currency=CURRENCY)
            for i in range(n_accounts)
        ],
        batch_size=2000,
    )
    return list(Account.objects.order_by("id").values_list("id", flat=True)), fund.pk


def load(n_entries: int, batch: int, accounts: list[int], fund_id: int, rng: random.Random) -> float:
    """Post n_entries through entries_post_bulk; return entries/s over the service calls."""
    from ledger.services import entries_post_bulk

    hot = accounts[0]
    spent = 0.0
    done = 0
    next_report = 0.0
    while done < n_entries:
        size = min(batch, n_entries - done)
        specs = [
            pair_spec(rng, accounts, fund_id, hot if rng.random() < HOT_SHARE else None) for _ in range(size)
        ]
        started = time.perf_counter()
        posted = entries_post_bulk(specs)
        spent += time.perf_counter() - started
        assert len(posted) == size and not any(p.replayed for p in posted)
        done += size
        if done / n_entries >= next_report:
            log(f"bulk: {done:,}/{n_entries:,} entries, {done / spent:,.0f} entries/s so far")
            next_report += 0.1
    return done / spent


MAX_RATE = 5000  # entries/s one process could post: how many specs to prepare


def _prepared_poster(seconds: float, accounts: list[int], fund_id: int, rng: random.Random):
    """A timed posting loop over specs made beforehand: drawing random accounts and
    keys is the benchmark's work, not the ledger's. Returns run() -> (count, elapsed)."""
    from ledger.services import entry_post

    specs = iter([pair_spec(rng, accounts, fund_id) for _ in range(int(seconds * MAX_RATE))])

    def run() -> tuple[int, float]:
        count = 0
        started = time.perf_counter()
        deadline = started + seconds
        while (now := time.perf_counter()) < deadline:
            entry_post(next(specs))
            count += 1
        return count, now - started

    return run


def warm_up(count: int, accounts: list[int], fund_id: int, rng: random.Random) -> None:
    """Post a few entries untimed: the connection, the prepared statements, the caches."""
    from ledger.services import entry_post

    for _ in range(count):
        entry_post(pair_spec(rng, accounts, fund_id))


def serial(seconds: float, accounts: list[int], fund_id: int, rng: random.Random) -> float:
    warm_up(50, accounts, fund_id, rng)
    count, elapsed = _prepared_poster(seconds, accounts, fund_id, rng)()
    return count / elapsed


def _worker(db_name: str, seed: int, seconds: float, accounts: list[int], fund_id: int, barrier, results):
    rng = random.Random(seed)
    try:
        django_setup(db_name)
        warm_up(20, accounts, fund_id, rng)
        post = _prepared_poster(seconds, accounts, fund_id, rng)
        barrier.wait()
        count, elapsed = post()
        results.put((count, elapsed, None))
    except Exception as error:  # report, don't hang the parent
        barrier.abort()
        results.put((0, 0.0, repr(error)))


def concurrent(
    processes: int, seconds: float, db_name: str, accounts: list[int], fund_id: int, seed: int
) -> float:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_worker, args=(db_name, seed + i + 1, seconds, accounts, fund_id, barrier, results)
        )
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=seconds + 300) for _ in workers]
    for w in workers:
        w.join()
    errors = [e for _, _, e in outcomes if e]
    if errors:
        real = [e for e in errors if "BrokenBarrierError" not in e] or errors
        raise RuntimeError(f"worker failed: {real}")
    total = sum(c for c, _, _ in outcomes)
    elapsed = max(t for _, t, _ in outcomes)
    log(f"concurrent: per process {[c for c, _, _ in outcomes]} entries in {elapsed:.1f} s")
    return total / elapsed


def latency(fn, repetitions: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    fn()
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def check_exact() -> None:
    """Every maintained balance equals the sum of its postings; everything sums to zero."""
    with admin_connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE b.balance IS DISTINCT FROM p.total), coalesce(sum(b.balance), 0)
              FROM (SELECT account_id, fund_id, sum(amount) AS total FROM ledger_posting
                     GROUP BY account_id, fund_id) p
              FULL JOIN ledger_balance b USING (account_id, fund_id)
            """
        )
        mismatched, total = cursor.fetchone()
        cursor.execute("SELECT count(*), (SELECT count(*) FROM ledger_entry) FROM ledger_posting")
        postings, entries = cursor.fetchone()
    log(f"final: {entries:,} entries, {postings:,} postings; balances off: {mismatched}, sum of all: {total}")
    if mismatched or total:
        raise RuntimeError("balances do not match the postings")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postings", type=int, default=1_000_000, help="postings to load (default 1e6)")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=2_000, help="entries per bulk call")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each posting run")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20260314)
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling)")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings

    admin_name = admin_database(settings.DATABASES["default"]["NAME"])
    db_name = f"tadamun_bench_{os.getpid()}"
    rng = random.Random(args.seed)
    create_database(db_name)
    log(f"created database {db_name}")
    try:
        use_database(db_name)
        from django.core.management import call_command
        from django.db import DatabaseError, connection

        call_command("migrate", verbosity=0)
        calibrate()
        accounts, fund_id = create_chart(args.accounts)
        log(f"migrated; {len(accounts):,} accounts")

        n_entries = args.postings // 2
        started = time.perf_counter()
        bulk = load(n_entries, args.batch, accounts, fund_id, rng)
        log(f"loaded {n_entries:,} entries in {time.perf_counter() - started:.1f} s")
        with admin_connection().cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("VACUUM (ANALYZE) ledger_account, ledger_entry, ledger_posting, ledger_balance")
            log(f"vacuum analyze: {time.perf_counter() - started:.1f} s")
        # Write out what the load left dirty now, so that a checkpoint it would
        # trigger later does not land in the middle of the timed posting runs.
        started = time.perf_counter()
        try:
            with admin_connection().cursor() as cursor:
                # The tests' settings log in as the server's superuser and take a
                # role per connection: CHECKPOINT needs the superuser back.
                cursor.execute("SET ROLE NONE")
                try:
                    cursor.execute("CHECKPOINT")
                finally:
                    cursor.execute("RESET ROLE")
            log(f"checkpoint after the load: {time.perf_counter() - started:.1f} s")
        except DatabaseError as error:  # CHECKPOINT needs pg_checkpoint or a superuser
            log(f"no checkpoint after the load ({error})")

        serial_rate = serial(args.seconds, accounts, fund_id, rng)
        log(f"serial: {serial_rate:,.0f} entries/s")
        concurrent_rate = concurrent(args.processes, args.seconds, db_name, accounts, fund_id, args.seed)
        log(f"{args.processes} processes: {concurrent_rate:,.0f} entries/s")

        from ledger.selectors import account_balance, trial_balance
        from ledger.services import balances_checkpoint

        # Busy accounts' balances are checkpoint + postings since; in the running
        # system the sealer task moves the checkpoint every few seconds. Here it
        # last ran before any posting: first read with everything since, then
        # checkpoint as the task would and read again.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT account_id, count(*) FROM ledger_posting GROUP BY account_id ORDER BY 2 DESC LIMIT 1"
            )
            busiest, busiest_postings = cursor.fetchone()
        log(f"busiest account {busiest}: {busiest_postings:,} postings")
        stale_ms, _ = latency(lambda: account_balance(account_id=busiest), 20)
        log(f"balance with all {busiest_postings:,} postings after the checkpoint: median {stale_ms:.1f} ms")
        started = time.perf_counter()
        horizon = balances_checkpoint()
        log(f"checkpoint to posting {horizon:,}: {time.perf_counter() - started:.1f} s")
        balance_ms, balance_p95 = latency(lambda: account_balance(account_id=busiest), 2000)
        log(f"balance: median {balance_ms:.3f} ms, p95 {balance_p95:.3f} ms")
        rows = len(trial_balance())
        trial_ms, trial_p95 = latency(trial_balance, 100)
        log(f"trial balance of {rows:,} accounts: median {trial_ms:.1f} ms, p95 {trial_p95:.1f} ms")
        check_exact()
        calibrate()

        emit("serial_entries_per_s", serial_rate, "entries/s")
        emit(f"concurrent{args.processes}_entries_per_s", concurrent_rate, "entries/s")
        emit("bulk_entries_per_s", bulk, "entries/s")
        emit("balance_ms", balance_ms, "ms")
        emit("trial_balance_ms", trial_ms, "ms")
    finally:
        if args.keep:
            log(f"kept database {db_name}")
        else:
            drop_database(db_name, admin_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
