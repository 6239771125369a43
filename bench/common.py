"""What the benchmarks share: processes on free loopback ports (the sandbox, our server, the SDK
forwarder, redis-server, nginx), started and stopped by the benchmark itself, and the machine's load
(a figure from a loaded machine says so)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from server.sandbox import ALL_SCOPES_TOKEN  # noqa: E402

FORWARDER = str(ROOT / "bench" / "forwarder.py")
# --rate-limit: no waiting for the license quota, and a window of 5 s, which holds about as many
# requests as a real license's 10-minute window can (1,000): a window of the whole run would hold
# every request the benchmark made, which no license lets happen, and counting them costs each
# reservation more as the run goes on.
UNLIMITED = f"{10**9}/5"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {cores} cores" + (
        " (LOADED: other work shared the cores)" if one > 0.5 * cores else " (quiet)")


def as_installed(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """The environment servers are started with: no LIVECHAT_ settings, and Python caching
    bytecode as it does by default (a shell that sets PYTHONDONTWRITEBYTECODE would make every
    start compile our modules from source, while the SDK's were compiled when pip installed them)."""
    return {k: v for k, v in environ.items() if not k.startswith("LIVECHAT_") and k != "PYTHONDONTWRITEBYTECODE"}


def clean_env(tmp: Path) -> dict[str, str]:
    """``as_installed``, state kept in ``tmp``."""
    env = as_installed(os.environ)
    env["XDG_STATE_HOME"] = str(tmp)
    return env


def wait_for(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            # Any answer's head will do: a stateless MCP endpoint answers GET with an event
            # stream that stays open (the SDK's stateless mode), so the body is not awaited.
            with httpx.stream("GET", url, timeout=0.5):
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{what} did not answer at {url}")


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def sandbox(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A loopback sandbox process; yields the environment that points a server at it."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.doors.cli", "sandbox", "--port", str(port), "--rate-limit",
                             UNLIMITED], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/_sandbox/config", proc, "the sandbox")
        yield {**env, "LIVECHAT_API_URL": url, "LIVECHAT_ACCOUNTS_URL": url, "LIVECHAT_ACCESS_TOKEN": ALL_SCOPES_TOKEN}
    finally:
        stop(proc)


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


@contextmanager
def nginx(tmp: Path, name: str, ports: list[int]) -> Iterator[str]:
    """nginx round-robin over ``ports`` as docs/replicas-and-store.md configures it; yields its /mcp URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    folder = tmp / f"nginx-{name}"
    folder.mkdir(exist_ok=True)
    servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
    (folder / "nginx.conf").write_text(f"""daemon off;
pid nginx.pid;
error_log stderr;
events {{}}
http {{
    access_log off;
    upstream replicas {{ {servers} keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://replicas; proxy_set_header Host $http_host;
                     proxy_http_version 1.1; proxy_set_header Connection "";
                     proxy_buffering off; proxy_read_timeout 300s; }}
    }}
}}
""")
    proc = subprocess.Popen([binary, "-p", str(folder), "-e", "stderr", "-c", "nginx.conf"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc, "nginx")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(proc)


def publish(marker: str, before: str, table: str, intro: str = "") -> None:
    """Print a benchmark's table with the load before and after it; with ``--write`` also put it
    into docs/benchmarks.md between its markers."""
    text = f"{intro}before: {before}; after: {load()}\n\n" + table
    print(text)
    if "--write" in sys.argv:
        write_between(marker, text)


def write_between(marker: str, text: str) -> None:
    """Put ``text`` into docs/benchmarks.md between ``<!-- marker:begin -->`` and ``<!-- marker:end -->``."""
    doc = ROOT / "docs" / "benchmarks.md"
    begin, end = f"<!-- {marker}:begin -->\n", f"<!-- {marker}:end -->"
    content = doc.read_text()
    if begin not in content or end not in content:
        raise SystemExit(f"docs/benchmarks.md has no {begin.strip()} ... {end} markers")
    head, _, rest = content.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(head + begin + text + end + tail)
