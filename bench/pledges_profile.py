"""Profile Stripe's webhook in process: per event, the queries, the Stripe calls and where the CPU goes.

    python bench/pledges_profile.py [--events N] [--top K] [--sort tottime|cumulative]

Sets up a database of its own as bench/pledges_bench.py does (a USD chart, a
campaign, card pledges paid on the tests' fake Stripe), then delivers signed
checkout.session.completed events through Django's test client, as gunicorn
would hand them to the WSGI handler. Prints the SQL of one event, the calls it
made to Stripe, the wall and CPU time of N events (CPU of this thread only: the
fake Stripe answers from a process of its own), then a cProfile of N more, top K.
The database is dropped at the end.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger_bench import admin_database, log  # noqa: E402
from bench.pledges_bench import SECRET, _as_superuser, bench_campaign, events_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["cumulative", "tottime"])
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    admin_name = admin_database(settings.DATABASES["default"]["NAME"])
    db_name = f"tadamun_profile_pledges_{os.getpid()}"
    from config.database import OWNER_ROLE

    _as_superuser(f'CREATE DATABASE "{db_name}" OWNER "{OWNER_ROLE}"')
    try:
        for config in settings.DATABASES.values():
            config["NAME"] = db_name
            config["CONN_MAX_AGE"] = None
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tests.fakes.stripe_server import FakeStripe, serve, serve_in_process, sign

        campaign = bench_campaign()
        fake = FakeStripe()
        serve(fake)
        settings.STRIPE_SECRET_KEY = "sk_test_bench"
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        bodies = iter(events_for(fake, campaign, args.events * 2 + 22))
        client = Client(SERVER_NAME="127.0.0.1")

        def send() -> None:
            body = next(bodies)
            response = client.post(
                "/api/v1/stripe/webhook/",
                body,
                content_type="application/json",
                headers={"Stripe-Signature": sign(body, SECRET)},
            )
            assert response.status_code == 200 and response.json()["status"] == "processed", response.content

        for _ in range(20):
            send()
        before = len(fake.requests)
        with CaptureQueriesContext(connection) as queries:
            send()
        print(f"=== one event: {len(queries.captured_queries)} queries through Django")
        for query in queries.captured_queries:
            print("  ", " ".join(query["sql"].split())[:240])
        print(f"=== one event: {len(fake.requests) - before} calls to Stripe")
        for call in fake.requests[before:]:
            print("  ", call.method, call.path, call.query)
        # The timed and profiled events read from a copy of the fake in a process of its own:
        # cProfile on Python 3.12+ records every thread's calls, the fake's too.
        fake_process = serve_in_process(fake)
        settings.STRIPE_API_BASE = fake.base_url
        send()
        wall, cpu = time.perf_counter(), time.thread_time()
        for _ in range(args.events):
            send()
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        print(
            f"=== {args.events} events: {wall / args.events * 1000:.2f} ms each, "
            f"{cpu / args.events * 1000:.2f} ms of this thread's CPU (load {os.getloadavg()[0]:.1f})"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.events):
            send()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        print(f"=== {stats.total_calls / args.events:,.0f} Python function calls per event")
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
        text = out.getvalue()
        print(text[text.index("   ncalls") :] if "   ncalls" in text else text)
        fake_process.terminate()
        connection.close()
    finally:
        for config in settings.DATABASES.values():
            config["NAME"] = admin_name
        _as_superuser(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        log(f"dropped database {db_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
