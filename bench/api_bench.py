"""API benchmark: requests per second and latency of the HTTP API under gunicorn.

    python bench/api_bench.py [--seconds S] [--connections C] [--workers W] [--threads T]

Creates a database of its own (tadamun_apibench_<pid>) on the configured server
(DATABASE_URL, or the embedded one), migrates it, creates the EUR chart of
accounts and a treasurer, and starts gunicorn on 127.0.0.1 with the production
settings and config/gunicorn.py against it, with the ledger's sealer running
beside it as in production. Through the API it takes the treasurer's token (POST
/api/v1/auth/token/) and the chart, warms the workers up, then drives load with
wrk (`apt-get install wrk` on Debian and Ubuntu) and a Lua script
(bench/api_bench.lua):

- POST /api/v1/ledger/entries/ from C connections, each request with a fresh
  Idempotency-Key, between pairs of accounts without a floor;
- GET /api/v1/ledger/accounts/{id}/ from C connections, on the accounts posted to.

Prints one JSON line per figure on stdout (as bench/ledger_bench.py does);
progress goes to stderr. Besides rates and latencies, which swing with whatever
else the machine runs, it reports the CPU each request cost (Linux, from /proc):
gunicorn's processes, the PostgreSQL backends of this database, and the sealer,
in milliseconds per request; those hold steady on a shared machine. Every
request must succeed, and every POST must have written its entry. gunicorn is
stopped and the database dropped at the end, also on failure.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from ledger_bench import (
    ROOT,
    admin_database,
    calibrate,
    create_database,
    django_setup,
    drop_database,
    emit,
    log,
    use_database,
)

CURRENCY = "EUR"
PASSWORD = "bench-" + secrets.token_hex(8)
USERNAME = "bench-treasurer"
LUA = Path(__file__).resolve().parent / "api_bench.lua"
# Accounts without a floor: postings between them never wait on a balance row.
PAIRS = (("stripe_clearing", "donations_income"), ("grants_expense", "grants_payable"))


def database_url(alias: str) -> str:
    """The URL of a configured database, as the role it takes (SET ROLE at connection start)."""
    from django.conf import settings

    db = settings.DATABASES[alias]
    name = db["NAME"]
    options = db.get("OPTIONS", {})
    role = re.search(r"-c role=(\S+)", options.get("options", ""))
    user = quote(role.group(1) if role else db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or options.get("host") or ""
    port = db.get("PORT") or options.get("port") or ""
    if host.startswith("/"):  # a Unix socket folder goes in the query
        query = f"?host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
        return f"postgres://{credentials}/{name}{query}"
    return f"postgres://{credentials}{host}{f':{port}' if port else ''}/{name}"


def set_up() -> None:
    """Migrate, create the chart and a treasurer with a password (the rest goes through the API)."""
    from django.conf import global_settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    call_command("create_chart", CURRENCY, verbosity=0)
    # The server runs the production settings: hash the password as they do.
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        user = get_user_model().objects.create_user(username=USERNAME, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="treasurer")[0])  # roles are groups


def staff_token(post: Callable[[str, dict, str | None], dict]) -> str:
    """A treasurer's token that has passed the second factor, as a client gets one: the
    password, then enrolling a TOTP authenticator and confirming it with its current code."""
    from django_otp.oath import totp

    token = post("/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD}, None)["token"]
    secret = post("/api/v1/auth/otp/device/", {}, token)["secret"]
    code = f"{totp(base64.b32decode(secret)):06d}"
    post("/api/v1/auth/otp/device/confirm/", {"otp": code}, token)
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving config.wsgi on 127.0.0.1, and the sealer beside it."""

    def __init__(self, args: argparse.Namespace, logs: Path) -> None:
        from django.conf import settings

        from ledger.signing import keypair_generate
        from vault.keys import master_key_generate

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = logs
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": database_url("default"),
            **({"DATABASE_OWNER_URL": database_url("owner")} if "owner" in settings.DATABASES else {}),
            "LEDGER_SIGNING_KEY": keypair_generate()[0],
            "VAULT_MASTER_KEYS": master_key_generate("bench"),
            "DJANGO_SECRET_KEY": secrets.token_hex(32),
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on 127.0.0.1
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        python = sys.executable
        gunicorn = [python, "-m", "gunicorn", "config.wsgi:application", "--config=config/gunicorn.py"]
        gunicorn += [f"--bind=127.0.0.1:{self.port}"]
        gunicorn += [f"--workers={args.workers}"] if args.workers else []
        gunicorn += [f"--threads={args.threads}"] if args.threads else []
        gunicorn += [f"--worker-class={args.worker_class}"] if args.worker_class else []
        self.commands = {"gunicorn": gunicorn}
        if args.sealer:
            self.commands["sealer"] = [python, "manage.py", "run_sealer", "--interval", "5"]
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for name, command in self.commands.items():
            output = (self.logs / f"{name}.log").open("wb")
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/ledger/chain/head/", timeout=2)
            except urllib.error.HTTPError:
                return  # 401: the app answers
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path}: {error.code} {detail}") from None


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a live process has used; 0 where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers), from /proc."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def backend_pids() -> list[int]:
    """The PostgreSQL backends connected to this database (gunicorn's, the sealer's), but not ours."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU used by gunicorn (master and workers), its database backends and the sealer over a run."""

    def __init__(self, server: "Server") -> None:
        self.server = server
        self.start = self.sample()

    def sample(self) -> dict[str, dict[int, float]]:
        gunicorn = self.server.processes["gunicorn"].pid
        groups = {"gunicorn": [gunicorn, *children(gunicorn)], "postgres": backend_pids()}
        if "sealer" in self.server.processes:
            groups["sealer"] = [self.server.processes["sealer"].pid]
        return {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request, by group; a process that started meanwhile counts from zero."""
        end = self.sample()
        used = {
            name: sum(cpu - self.start.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items())
            for name, pids in end.items()
        }
        return {name: seconds * 1000 / max(requests, 1) for name, seconds in used.items()}


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (Debian, Ubuntu) or brew install wrk")
    return path


def wrk(server: Server, lines: list[str], seconds: float, connections: int, token: str, work: Path) -> dict:
    """Run wrk over the request lines for `seconds`; its JSON summary."""
    requests_file = work / "requests.tsv"
    requests_file.write_text("\n".join(lines) + "\n")
    threads, duration = min(2, connections), max(1, round(seconds))
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout=10s"]
    command += ["-s", str(LUA), server.base, "--", str(requests_file), token, secrets.token_hex(4)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    server.check_alive()
    for line in result.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            summary = json.loads(line.removeprefix("WRK_JSON "))
            errors = {k: v for k, v in summary.items() if k.endswith(("_errors", "timeouts")) and v}
            if errors:
                raise RuntimeError(f"wrk saw failed requests: {errors}\n{result.stdout}")
            summary["per_s"] = summary["requests"] / (summary["duration_us"] / 1e6)
            return summary
    raise RuntimeError(f"no summary from wrk:\n{result.stdout}\n{result.stderr}")


def entry_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_entry")
        return cursor.fetchone()[0]


def describe(name: str, summary: dict) -> None:
    cpu = ", ".join(f"{group} {ms:.2f}" for group, ms in summary.get("cpu_ms", {}).items())
    log(
        f"{name}: {summary['requests']:,} requests, {summary['per_s']:,.0f}/s, "
        f"p50 {summary['p50_us'] / 1000:.1f} ms, p90 {summary['p90_us'] / 1000:.1f} ms, "
        f"p99 {summary['p99_us'] / 1000:.1f} ms, max {summary['max_us'] / 1000:.1f} ms"
        + (f"; CPU ms per request: {cpu}" if cpu else "")
    )


def measured(
    server: Server, lines: list[str], seconds: float, connections: int, token: str, work: Path
) -> dict:
    """wrk's summary with the CPU each request cost (`cpu_ms`, by process group)."""
    meter = CpuMeter(server)
    summary = wrk(server, lines, seconds, connections, token, work)
    summary["cpu_ms"] = meter.per_request_ms(summary["requests"])
    return summary


def run(args: argparse.Namespace, work: Path) -> None:
    server = Server(args, work)
    sizing = f"workers {args.workers or 'default'}, threads {args.threads or 'default'}"
    log(f"gunicorn -c config/gunicorn.py, {args.worker_class or 'gthread'}, {sizing}; logs in {work}")
    server.start()
    try:
        token = staff_token(lambda path, body, token: server.call("POST", path, body, token=token))
        accounts = server.call("GET", f"/api/v1/ledger/accounts/?currency={CURRENCY}", token=token)
        by_role = {a["role"]: a["id"] for a in accounts["results"]}
        funds = server.call("GET", "/api/v1/ledger/funds/", token=token)
        fund = next(f["id"] for f in funds["results"] if f["code"] == "general")
        posts = []
        for debit, credit in PAIRS:
            body = {
                "date": "2026-11-20",
                "memo": "api bench",
                "postings": [
                    {"account": by_role[debit], "fund": fund, "amount": "12.50"},
                    {"account": by_role[credit], "fund": fund, "amount": "-12.50"},
                ],
            }
            posts.append(f"POST\t/api/v1/ledger/entries/\t{json.dumps(body)}")
        gets = [f"GET\t/api/v1/ledger/accounts/{by_role[role]}/\t" for pair in PAIRS for role in pair]

        # Every worker imports, connects and prepares its statements on its first requests.
        for lines in (posts, gets):
            wrk(server, lines, args.warmup, args.connections, token, work)
        before = entry_count()
        post = measured(server, posts, args.seconds, args.connections, token, work)
        describe(f"POST entry, {args.connections} connections", post)
        posted = entry_count() - before
        if posted < post["requests"]:
            raise RuntimeError(f"{post['requests']} POSTs answered but {posted} entries written")
        one = measured(server, posts, args.seconds, 1, token, work)
        describe("POST entry, 1 connection", one)
        get = measured(server, gets, args.seconds, args.connections, token, work)
        describe(f"GET account, {args.connections} connections", get)
    finally:
        server.stop()

    emit("api_post_entry_per_s", post["per_s"], "requests/s")
    emit("api_post_entry_p50_ms", post["p50_us"] / 1000, "ms")
    emit("api_post_entry_p99_ms", post["p99_us"] / 1000, "ms")
    emit("api_post_entry_1conn_per_s", one["per_s"], "requests/s")
    emit("api_get_account_per_s", get["per_s"], "requests/s")
    emit("api_get_account_p99_ms", get["p99_us"] / 1000, "ms")
    for name, summary in (("api_post_entry", post), ("api_get_account", get)):
        for group, ms in summary["cpu_ms"].items():
            emit(f"{name}_{group}_cpu_ms", ms, "ms CPU/request")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each timed run")
    parser.add_argument("--warmup", type=float, default=3.0, help="duration of each warm-up run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (config/gunicorn.py's)")
    parser.add_argument("--threads", type=int, help="threads per worker (config/gunicorn.py's)")
    parser.add_argument("--worker-class", help="gunicorn worker class (config/gunicorn.py's: gthread)")
    parser.add_argument(
        "--no-sealer", dest="sealer", action="store_false", help="leave the sealer and checkpoints off"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    wrk_path()

    django_setup()
    from django.conf import settings

    admin_name = admin_database(settings.DATABASES["default"]["NAME"])
    db_name = f"tadamun_apibench_{os.getpid()}"
    create_database(db_name)
    log(f"created database {db_name}")
    work = Path(tempfile.mkdtemp(prefix="tadamun-apibench-"))
    try:
        use_database(db_name)
        set_up()
        calibrate()
        run(args, work)
        calibrate()
    finally:
        if args.keep:
            log(f"kept database {db_name} and logs in {work}")
        else:
            drop_database(db_name, admin_name)
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
