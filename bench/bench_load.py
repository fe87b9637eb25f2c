"""The service under load: the busiest pages on the demo scaled 100 times, against a minimal Flask app.

It creates a PostgreSQL database of its own, migrates it, loads ``commissioning demo-data --scale
100`` (``BENCH_SCALE``), and serves the app under gunicorn on 127.0.0.1 (sync workers, two per core
unless ``BENCH_WORKERS``; production settings, mail kept in the outbox, the embedded broker, the
sign-in and API rate limits lifted for the bench only). ``bench/minimal_app.py`` runs under the same
gunicorn settings as the ceiling. wrk drives each page at 20 and at 100 connections for
``BENCH_SECONDS`` (10) each, signed in where the page needs it (a session cookie from the real
login form) or with an API token, each request saying ``Accept-Encoding: gzip`` as browsers and
HTTP libraries do. It prints one table: requests/s, p50/p95/p99 in ms, the ratio
to the minimal endpoint at the same connections, and whether the issue's targets are met (p95
under 100 ms at 20 connections; at least 25% of the minimal endpoint's requests/s). A second
table gives the same pages at 20 connections from an app with ``PAGE_CACHE_SECONDS=0``, each
built by its view as after every write (core/pagecache.py): what the page cache does, measured
in the same run. Printed, never asserted. Everything it starts is stopped and the database dropped at the end, also on
Ctrl-C or an error. Traffic goes only to 127.0.0.1.

wrk runs on the same machine as the servers and takes some of its cores: the figures are for
comparing runs on one machine, not a capacity plan. The load average is printed before and after,
and the minimal endpoint is measured again at the end: when others share the machine, the two
ceilings and the load say how far a run's figures moved for reasons of their own.
"""
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import services  # noqa: E402

BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SCALE = int(os.environ.get("BENCH_SCALE", "100"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
CONNECTIONS = (20, 100)
TARGET_P95_MS, TARGET_RATIO = 100, 0.25
LUA = Path(__file__).with_name("wrk_report.lua")
#: Sent with every request, as browsers and HTTP libraries send it: kept feeds go out gzipped.
ACCEPT_ENCODING = "Accept-Encoding: gzip"

#: Run in the app's own environment: the pages to load, their ids found in the scaled data, and a token.
FIND_PAGES = """
import json
from commissioning import create_app
from commissioning.extensions import db
from commissioning.accounts.models import User
from commissioning.api.operations import create_token
from tests.unit.scaled_demo import page_urls
with create_app().app_context():
    pages = page_urls()
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    _row, plain = create_token(commissioner, "load benchmark", "read")
    db.session.commit()
    print(json.dumps({"pages": pages, "token": plain}))
"""


class Stopped(Exception):
    """Ctrl-C or SIGTERM: stop everything and drop the database."""


def _stop(*_args):
    raise Stopped()


def app_env(database_url, port, broker):
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMISSIONING_")}
    env.update(APP_ENV="production", DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32),
               BASE_URL=f"http://127.0.0.1:{port}", OCDS_PREFIX="bench1", GRANTS_PREFIX="360G-bench",
               MAIL_BACKEND="outbox", REDIS_URL="", BROKER_DIR=str(broker),
               # The bench signs in a few times and sends thousands of API requests a second from one
               # address: the shipped limits would answer 429, which measures nothing.
               LOGIN_RATE_LIMIT="100000 per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="100000 per minute",
               API_RATE_LIMIT="100000000 per minute", PYTHONPATH=str(ROOT))
    return env


def run(cmd, env, what):
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout, time.perf_counter() - started


def gunicorn(app_spec, port, env, chdir=None):
    cmd = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
           "--worker-class", "sync", "--log-level", "warning", "--timeout", "60"]
    if chdir:
        cmd += ["--chdir", str(chdir)]
    return subprocess.Popen(cmd + [app_spec], env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until_serving(port, proc, path="/", timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited: {proc.stderr.read()}")
        try:
            status, _headers, _body = request(port, "GET", path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _cookies(headers, jar):
    """Name=value of each Set-Cookie (the session cookie is Secure in production; sent here by hand)."""
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _sep, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def sign_in(port, email, password="demo-password"):
    """A session cookie from the real login form: its CSRF token and request key posted back."""
    status, headers, body = request(port, "GET", "/login")
    jar = _cookies(headers, {})
    html = body.decode()
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?type="hidden"[^>]*?value="([^"]*)"', html))
    fields.update(re.findall(r'<input[^>]*?type="hidden"[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html))
    fields.update(email=email, password=password)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _body = request(port, "POST", "/login", body=urlencode(fields),
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 302:
        raise RuntimeError(f"signing in as {email} answered {status}")
    jar = _cookies(headers, jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def wrk(port, path, connections, header=None):
    cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{SECONDS}s", "--timeout", "10s",
           "-s", str(LUA), "-H", ACCEPT_ENCODING]
    if header:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=SECONDS + 60).stdout
    line = next((line for line in out.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result for {path}:\n{out}")
    figures = dict(item.split("=") for item in line.split()[1:])
    figures = {key: int(value) for key, value in figures.items()}
    return {"requests": figures["requests"], "rps": figures["requests"] / (figures["duration_us"] / 1e6), "p50": figures["p50_us"] / 1000,
            "p95": figures["p95_us"] / 1000, "p99": figures["p99_us"] / 1000,
            "failed": figures["non2xx"] + figures["errors"]}


def main():
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make bench` installs it (as root), or run `apt-get install wrk`.")
        return 1
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    name = folder = None
    procs = []
    try:
        name, url = services.create_database("commissioning_bench_load")
        folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
        app_port, minimal_port = services.free_port(), services.free_port()
        env = app_env(url, app_port, folder / "broker")
        run([str(BIN / "commissioning"), "db", "upgrade"], env, "migrating")
        out, took = run([str(BIN / "commissioning"), "demo-data", "--scale", str(SCALE)], env, "demo-data --scale")
        print(f"demo-data --scale {SCALE} on PostgreSQL: {took:.1f} s with start-up")
        print("  " + "\n  ".join(out.strip().splitlines()))
        found, _took = run([str(BIN / "python"), "-c", FIND_PAGES], env, "finding the pages")
        found = json.loads(found.strip().splitlines()[-1])

        procs.append(gunicorn("commissioning:create_app()", app_port, env))
        procs.append(gunicorn("minimal_app:create_app()", minimal_port, env, chdir=Path(__file__).parent))
        wait_until_serving(app_port, procs[0])
        wait_until_serving(minimal_port, procs[1])
        cookies = {email: f"Cookie: {sign_in(app_port, email)}"
                   for email in ("commissioner@demo.test", "provider@demo.test")}
        token = f"Authorization: Bearer {found['token']}"
        print(f"gunicorn: {WORKERS} sync workers each; wrk: {SECONDS} s per page and connection count, "
              f"{os.cpu_count()} cores shared by the servers, PostgreSQL and wrk")

        print(f"load average before: {_load()}")
        minimal = {c: wrk(minimal_port, "/", c) for c in CONNECTIONS}
        rows = [("minimal Flask JSON", "/", c, minimal[c]) for c in CONNECTIONS]
        for label, path, who in found["pages"]:
            header = token if who == "token" else cookies[who] if who else None
            name_value = header.split(": ", 1) if header else None
            status, _h, _b = request(app_port, "GET", path, headers=dict([name_value]) if name_value else None)
            if status != 200:
                print(f"  {label} {path} answered {status}: left out")
                continue
            for c in CONNECTIONS:
                rows.append((label, path, c, wrk(app_port, path, c, header)))
        # The same pages built every time (the page cache off), at 20 connections: what a page costs
        # when nothing was kept, as after each write, and so how much of the above the cache does.
        stop(procs.pop(0))
        built_port = services.free_port()
        procs.append(gunicorn("commissioning:create_app()", built_port, {**env, "PAGE_CACHE_SECONDS": "0"}))
        wait_until_serving(built_port, procs[-1])
        built = []
        for label, path, who in found["pages"]:
            header = token if who == "token" else cookies[who] if who else None
            built.append((label + " (built)", path, 20, wrk(built_port, path, 20, header)))
        # The machine is shared: the ceiling measured again, and the load, show how much it moved meanwhile.
        again = {c: wrk(minimal_port, "/", c) for c in CONNECTIONS}
        rows += [("minimal, again at end", "/", c, again[c]) for c in CONNECTIONS]
        print_table(rows, minimal)
        print("\nThe same pages with PAGE_CACHE_SECONDS=0 (each built by its view), 20 connections:")
        print_table(built, minimal)
        print(f"load average after: {_load()}")
        return 0
    except Stopped:
        print("Stopped: cleaning up.")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for proc in procs:
            stop(proc)
        if name:
            services.drop_database(name)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def _load():
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) + f" (1, 5, 15 min; {os.cpu_count()} cores)"


def stop(proc):
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)   # gunicorn's quick shutdown: the bench's requests need no grace
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def print_table(rows, minimal):
    head = f"{'page':<30} {'path':<32} {'conns':>5} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>8} " \
           f"{'ratio':>6}  {'failed':>6}  targets"
    print(head)
    print("-" * len(head))
    for label, path, c, r in rows:
        ratio = r["rps"] / minimal[c]["rps"] if minimal[c]["rps"] else 0
        if label.startswith("minimal"):
            verdict = "(the ceiling)" if r is minimal[c] else "(the ceiling, for drift)"
        else:
            misses = []
            if c == 20 and r["p95"] >= TARGET_P95_MS:
                misses.append(f"p95 >= {TARGET_P95_MS} ms")
            if ratio < TARGET_RATIO:
                misses.append(f"< {TARGET_RATIO:.0%} of minimal")
            verdict = "meets" if not misses else "misses: " + ", ".join(misses)
        shown = path if len(path) <= 32 else path[:29] + "..."
        if not r["requests"]:
            print(f"{label:<30} {shown:<32} {c:>5} {'none finished in ' + str(SECONDS) + ' s':>40}  {r['failed']:>6}  "
                  "misses: no answer in time")
            continue
        print(f"{label:<30} {shown:<32} {c:>5} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>8.1f} "
              f"{ratio:>6.0%}  {r['failed']:>6}  {verdict}")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also through a pipe
    sys.exit(main())
