"""Requests that would starve everyone (issue 27, class 3), tried against the real HTTP server.

Each attack runs beside a positive control: the legitimate calls (an authenticated client, a
person signing in) still succeed while it goes on.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import test_security_slow_clients as slow
from tests.test_http_security import Served
from tests.test_security_slow_clients import HEADER_TIMEOUT, MAX_CONNECTIONS, _open_fds, _port, _settle, _tools_list

served = slow.served  # that module's server: short deadlines, a low connection cap

ATTACKER = "127.0.0.2"  # another loopback address: another peer than the authenticated client (127.0.0.1)


class HalfOpenFlood:
    """A client without a token that keeps ``size`` half-open connections (a request line and a
    few headers, never finished) and reopens each one the server closes, from ATTACKER."""

    def __init__(self, port: int, size: int, body: bool = False) -> None:
        self.port, self.size, self.body = port, size, body
        self.opened = self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HalfOpenFlood:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _open(self) -> socket.socket | None:
        s = socket.socket()
        try:
            s.bind((ATTACKER, 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", self.port))
            s.setblocking(False)
            if self.body:  # a whole head, then a body that never comes (a form route reads it before any check)
                s.send(f"POST /register HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json"
                       f"\r\nContent-Length: 60000\r\n\r\n{{".encode())
            else:
                s.send(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                       .encode())
        except OSError:
            s.close()
            return None
        self.opened += 1
        return s

    def _run(self) -> None:
        socks: list[socket.socket] = []
        try:
            while not self._stop.is_set():
                for s in list(socks):
                    try:
                        if s.recv(4096) is not None:  # data or b"": the server answered or closed it
                            self.closed_by_server += 1
                            socks.remove(s)
                            s.close()
                    except BlockingIOError:
                        pass
                    except OSError:
                        socks.remove(s)
                        s.close()
                while len(socks) < self.size and not self._stop.is_set():
                    s = self._open()
                    if s is None:
                        break
                    socks.append(s)
                time.sleep(0.01)
        finally:
            for s in socks:
                s.close()


@pytest.mark.parametrize("body", [False, True], ids=["head", "body"])
def test_a_sustained_half_open_flood_without_a_token_does_not_hold_the_cap(served: Served, body: bool) -> None:
    baseline = _settle(served, 10**6, 0)
    with HalfOpenFlood(_port(served), MAX_CONNECTIONS + 20, body) as flood:
        # The cap really is under attack: the flood holds it full at some moment. Evictions and the flood's
        # reopening make the count wander, more so while other work shares the cores: watch for it a while.
        deadline, most = time.monotonic() + 20, 0
        while most < baseline + MAX_CONNECTIONS - 5 and time.monotonic() < deadline:
            most = max(most, _open_fds(served))
            time.sleep(0.02)
        assert most >= baseline + MAX_CONNECTIONS - 5
        started = time.monotonic()
        served_calls = 0
        with ThreadPoolExecutor(1) as pool:
            for _ in range(31):  # each call a new client: new connections, as the attack's victims had
                if "list_agents" in pool.submit(_tools_list, served).result(timeout=30):
                    served_calls += 1
        while time.monotonic() - started < 2 * HEADER_TIMEOUT:  # sustained: past the header deadline
            time.sleep(0.1)
        reopened = flood.opened
    assert served_calls == 31
    assert reopened > MAX_CONNECTIONS + 20  # the flood kept reopening what the server closed
    assert flood.closed_by_server > 0
    assert served.alive()
    assert _settle(served, baseline) <= baseline + 2


def test_peers_rations_and_their_settings() -> None:
    from server.doors.http import PeerBudgets, PeerLimits, Ration, peer_key
    from server.errors import ConfigError

    assert peer_key("203.0.113.7") == "203.0.113.7"
    assert peer_key("2001:db8:1:2:aaaa::1") == peer_key("[2001:db8:1:2:ffff::9]") == "2001:db8:1:2::/64"
    assert peer_key("::ffff:203.0.113.7") == "203.0.113.7" and peer_key(None) == ""
    now = [0.0]
    budget = PeerBudgets(Ration(3, 60.0), clock=lambda: now[0])
    assert [budget.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.take("a") == pytest.approx(20.0) and budget.take("b") == 0.0  # another peer is not held back
    now[0] = 20.0
    assert budget.take("a") == 0.0  # one request back after a third of the period
    limits = PeerLimits.from_env({"LIVECHAT_MCP_REGISTER_LIMIT": "5/60"})
    assert limits.register == Ration(5, 60.0) and limits.authorize == PeerLimits.defaults().authorize
    for bad in ("many", "5", "0/60", "5/0", "5/inf"):
        with pytest.raises(ConfigError, match="LIVECHAT_MCP_AUTHORIZE_LIMIT"):
            PeerLimits.from_env({"LIVECHAT_MCP_AUTHORIZE_LIMIT": bad})
