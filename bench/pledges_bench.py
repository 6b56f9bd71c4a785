"""Pledges benchmark: signed Stripe webhooks handled per second end to end, and a campaign's progress.

    python bench/pledges_bench.py [--events N] [--contributions N]

Creates a database of its own (tadamun_bench_pledges_<pid>) like bench/ledger_bench.py,
starts the tests' fake Stripe in a process of its own (so it shares no
interpreter lock with the senders: the bench measures our code, not the fake)
and gunicorn (config/gunicorn.py, as deployed) on 127.0.0.1 against both, then sends signed
checkout.session.completed events for card pledges: one sender, then four at
once. Each event is verified, stored, re-read from the fake Stripe (one read
of the session expanded to its payment, charge and balance transaction) and
booked through ledger.api, as in production. Last, four senders send events of a
type no handler takes (stored and acknowledged only): their rate is the floor
under any handled event on this machine. Then it loads
`--contributions` contributions into one campaign and times the public progress
read. Prints one JSON line per figure on stdout; progress goes to stderr. The
database is dropped at the end, also on failure.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, Python looks in bench/ first: config and the apps are here

from bench.ledger_bench import admin_database, emit, latency, log  # noqa: E402

SECRET = "whsec_bench"


def _as_superuser(sql: str) -> None:
    """CREATE and DROP DATABASE: the test settings log in as the server's superuser and SET ROLE."""
    from django.db import connections

    connections.close_all()
    with connections["default"].cursor() as cursor:
        cursor.execute("SET ROLE NONE")
        cursor.execute(sql)
    connections.close_all()


def database_url(name: str) -> str:
    """The configured server as a URL for gunicorn's environment; a socket directory goes in `?host=`."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = quote(str(db.get("USER") or ""), safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    socket = (db.get("OPTIONS") or {}).get("host")
    if socket and not db.get("HOST"):
        return f"postgres://{user}{password}@/{name}?host={quote(str(socket), safe='/')}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or 'localhost'}{port}/{name}"


def gunicorn_start(db_name: str, stripe_base: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(db_name),
        "DATABASE_CONN_MAX_AGE": "60",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": stripe_base,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    # The production configuration (threaded workers), as deployed.
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-c", "config/gunicorn.py"]
    process = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/api/v1/campaigns/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def events_for(fake, campaign, count: int) -> list[bytes]:
    """`count` card pledges paid on the fake Stripe; the signed-ready bodies of their events."""
    from pledges.models import Frequency, Method, Pledge
    from pledges.services.pledges import reference_new

    bodies = []
    for _ in range(count):
        public_id = str(uuid.uuid4())
        session = fake._checkout_session_create(
            {
                "mode": "payment",
                "metadata": {"pledge": public_id},
                "payment_intent_data": {"metadata": {"pledge": public_id}},
                "success_url": "https://example.org/",
                "cancel_url": "https://example.org/",
                "line_items": {
                    "0": {"price_data": {"currency": "usd", "unit_amount": "2500"}, "quantity": "1"}
                },
            }
        )
        Pledge.objects.create(
            public_id=public_id,
            reference=reference_new(),
            campaign=campaign,
            amount=2500,
            currency="USD",
            frequency=Frequency.ONCE,
            method=Method.CARD,
            stripe_checkout_session_id=session["id"],
            checkout_url=session["url"],
        )
        bodies.append(json.dumps(fake.checkout_complete(session["id"], settled=("USD", 2500, 103))).encode())
    return bodies


def ignored_events(count: int) -> list[bytes]:
    """Signed-ready events of a type no handler takes: verified, stored and acknowledged, nothing more.

    Their rate is the floor under every handled event: HTTP, Django, the
    signature and one stored row, with no Stripe read and no booking.
    """
    created = int(time.time())
    return [
        json.dumps(
            {
                "id": f"evt_floor{n:08d}",
                "object": "event",
                "api_version": "2025-03-31.basil",
                "created": created,
                "livemode": False,
                "type": "customer.created",
                "data": {"object": {"id": f"cus_floor{n:08d}", "object": "customer"}},
            }
        ).encode()
        for n in range(count)
    ]


def send(port: int, bodies: list[bytes]) -> None:
    from tests.fakes.stripe_server import sign

    for body in bodies:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/api/v1/stripe/webhook/",
            body=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, SECRET)},
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}")
        connection.close()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes used so far; a process gone since counts as none."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def backend_pids(db_name: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (gunicorn keeps its connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db_name]
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def cpu_per_event(
    name: str, port: int, batches: list[list[bytes]], server: subprocess.Popen, db_name: str, fake: int
) -> float:
    """Send the batches; log the CPU each event cost gunicorn, PostgreSQL and the fake. Returns events/s.

    CPU per event moves far less with the machine's load than events per second do.
    """
    workers, backends = worker_pids(server.pid), backend_pids(db_name)
    before_workers, before_backends = cpu_seconds(workers), cpu_seconds(backends)
    before_fake = cpu_seconds([fake])
    events_per_s = rate(port, batches)
    late_workers = [pid for pid in worker_pids(server.pid) if pid not in workers]
    late_backends = [pid for pid in backend_pids(db_name) if pid not in backends]
    count = sum(len(b) for b in batches)
    in_workers = (cpu_seconds(workers) - before_workers + cpu_seconds(late_workers)) / count * 1000
    in_backends = (cpu_seconds(backends) - before_backends + cpu_seconds(late_backends)) / count * 1000
    used = in_workers + in_backends
    fake_used = (cpu_seconds([fake]) - before_fake) / count * 1000
    log(
        f"{name}: {events_per_s:,.0f} events/s; CPU per event {used:.1f} ms in gunicorn and PostgreSQL "
        f"({in_workers:.1f} + {in_backends:.1f}), {fake_used:.1f} ms in the fake Stripe"
    )
    emit(f"webhook_cpu_ms_per_event_{name}", used, "ms")
    return events_per_s


def rate(port: int, batches: list[list[bytes]]) -> float:
    threads = [threading.Thread(target=send, args=(port, batch)) for batch in batches]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


def load_contributions(campaign, count: int) -> None:
    """`count` bank contributions, booked in bulk through ledger.api, with their rows."""
    import datetime

    from ledger.api import (
        AccountRole,
        EntryKind,
        EntrySpec,
        PostingSpec,
        SourceRef,
        account_for,
        entries_post_bulk,
    )
    from pledges.models import Contribution, ContributionMethod

    bank, income = (
        account_for(AccountRole.BANK, "USD").pk,
        account_for(AccountRole.DONATIONS_INCOME, "USD").pk,
    )
    day = datetime.date(2026, 11, 1)
    for start in range(0, count, 2000):
        ids = [uuid.uuid4() for _ in range(min(2000, count - start))]
        specs = [
            EntrySpec(
                idempotency_key=public_id,
                postings=(
                    PostingSpec(bank, campaign.fund_id, "USD", 1000),
                    PostingSpec(income, campaign.fund_id, "USD", -1000),
                ),
                date=day,
                kind=EntryKind.CONTRIBUTION,
                source=SourceRef(type="contribution", id=str(public_id)),
            )
            for public_id in ids
        ]
        posted = entries_post_bulk(specs)
        Contribution.objects.bulk_create(
            Contribution(
                public_id=public_id,
                campaign=campaign,
                method=ContributionMethod.BANK_TRANSFER,
                amount=1000,
                currency="USD",
                presentment_amount=1000,
                presentment_currency="USD",
                received_on=day,
                entry_id=entry.entry_id,
            )
            for public_id, entry in zip(ids, posted, strict=True)
        )


def bench_campaign():
    """Migrate the bench's own database, then a USD chart and one open campaign to pledge to."""
    from django.core.management import call_command
    from django.utils import timezone

    from ledger.services import chart_of_accounts_create
    from pledges.services import campaign_create

    call_command("migrate", verbosity=0)
    chart_of_accounts_create(currencies=["USD"])
    return campaign_create(
        slug="bench",
        title={"en": "Bench"},
        goal_amount=10**9,
        goal_currency="USD",
        starts_on=timezone.localdate(),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=400, help="events per run (default 400)")
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    admin_name = admin_database(settings.DATABASES["default"]["NAME"])
    db_name = f"tadamun_bench_pledges_{os.getpid()}"
    from config.database import OWNER_ROLE

    _as_superuser(f'CREATE DATABASE "{db_name}" OWNER "{OWNER_ROLE}"')
    server = None
    try:
        settings.DATABASES["default"]["NAME"] = db_name
        settings.DATABASES["owner"]["NAME"] = db_name
        from django.db import connection

        from ledger.services import balances_checkpoint
        from pledges.selectors import campaign_progress
        from tests.fakes.stripe_server import FakeStripe, serve_in_process

        campaign = bench_campaign()
        fake = FakeStripe()
        bodies = events_for(fake, campaign, args.events * 2 + 20)
        connection.close()
        fake_process = serve_in_process(fake)
        server = gunicorn_start(db_name, fake.base_url, args.port)
        log(f"gunicorn on 127.0.0.1:{args.port}, fake Stripe on {fake.base_url}")
        send(args.port, bodies[:20])  # warm every worker's connection and imports
        serial = [bodies[20 : 20 + args.events]]
        serial_rate = cpu_per_event("serial", args.port, serial, server, db_name, fake_process.pid or 0)
        rest = bodies[20 + args.events :]
        batches = [rest[i::4] for i in range(4)]
        concurrent_rate = cpu_per_event(
            "concurrent4", args.port, batches, server, db_name, fake_process.pid or 0
        )
        floor = ignored_events(args.events)
        floor_rate = cpu_per_event(
            "ignored_concurrent4", args.port, [floor[i::4] for i in range(4)], server, db_name, 0
        )
        fake_process.terminate()

        started = time.perf_counter()
        load_contributions(campaign, args.contributions)
        balances_checkpoint()
        log(f"loaded {args.contributions:,} contributions in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) pledges_contribution, ledger_posting, ledger_balance")
        progress_ms, progress_p95 = latency(lambda: campaign_progress([campaign]), 50)
        log(f"campaign progress: median {progress_ms:.1f} ms, p95 {progress_p95:.1f} ms")
        emit("webhook_events_per_s", serial_rate, "events/s")
        emit("webhook_events_per_s_concurrent4", concurrent_rate, "events/s")
        emit("webhook_ignored_events_per_s_concurrent4", floor_rate, "events/s")
        emit("campaign_progress_ms", progress_ms, "ms")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        settings.DATABASES["default"]["NAME"] = admin_name
        _as_superuser(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        log(f"dropped database {db_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
