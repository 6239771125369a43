"""A Redis (or Valkey) store for replicas: ``redis://HOST:PORT/DB``, ``rediss://`` for TLS.

Every decision that reads and then writes (put_if_absent, take, reserve, block, unlock) is one
Lua script, so it is atomic across replicas; scripts take the time from the server (``TIME``),
so replicas with skewed clocks still agree on one budget window.

Layout, under the deployment's prefix ``P`` (``LIVECHAT_MCP_STORE_NAMESPACE``):
- ``P:kv:NS:KEY`` a value (with PX for a lifetime) and ``P:idx:NS`` a sorted set of the
  namespace's keys scored by expiry in ms (``+inf`` for none), so ``keys`` reads one set
  instead of scanning the whole server; entries past their expiry are pruned on each write.
- ``P:log:NS:KEY`` a log's head and epoch (a hash), ``P:logl:NS:KEY`` its entries (a list):
  lock-and-read and write-and-unlock are one script each (server/store/logs.py).
- ``P:slots:BUCKET`` a sorted set of request slots scored by their finish time, ``P:block:BUCKET``
  a key whose PTTL is the time LiveChat told everyone to wait, ``P:lock:NAME`` a lock token.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import anyio
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..errors import ConfigError
from .base import LockBusy, LogMark, LogRead, StoreUnavailable
from .crypto import Sealer, SharedSecrets
from .heartbeat import renewed
from .logs import Change, Held, hold

T = TypeVar("T")

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

# KEYS: value, index. ARGV: value, ttl ms (0: none), member, only-if-absent (1/0)
_PUT = _NOW + """
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[2], '+inf', ARGV[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
return 1
"""

# KEYS: value, index. ARGV: member, take (1: return the value)
_DELETE = """
local v = false
if ARGV[2] == '1' then v = redis.call('GET', KEYS[1]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return v
"""

# KEYS: slots, block. ARGV: capacity, period ms, slot, hold ms, then (finished slot, ms ago) pairs
# released first. Returns ms to wait (0: taken).
_RESERVE = _NOW + """
for i = 5, #ARGV - 1, 2 do redis.call('ZADD', KEYS[1], 'XX', now - tonumber(ARGV[i + 1]), ARGV[i]) end
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local period = tonumber(ARGV[2])
-- the window is this caller's (capacity, period): older slots are pruned (processes sharing a
-- license are expected to share its one quota), which also bounds the set
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  local ttl = period + tonumber(ARGV[4]) + 1000
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 0
end
local first = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - period), '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return math.max(tonumber(first[2]) + period - now, 1)
"""

_RELEASE = _NOW + "redis.call('ZADD', KEYS[1], 'XX', now - tonumber(ARGV[2]), ARGV[1]) return 0"

_BLOCK = """
local ms = tonumber(ARGV[1])
if ms > redis.call('PTTL', KEYS[1]) then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""

_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

_EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"

# KEYS: lock, head hash, entries. ARGV: token ('': read without the lock), lock ms, epoch, since.
# Returns 0 when the lock is held, {} when there is no log, else {head, epoch, start, entries}.
_LOG_READ = """
if ARGV[1] ~= '' and not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local meta = redis.call('HMGET', KEYS[2], 'head', 'epoch')
if not meta[1] then return {} end
local start = 0
if meta[2] == ARGV[3] and tonumber(ARGV[4]) <= redis.call('LLEN', KEYS[3]) then start = tonumber(ARGV[4]) end
return {meta[1], meta[2], start, redis.call('LRANGE', KEYS[3], start, -1)}
"""

# KEYS: lock, head hash, entries. ARGV: token, mode (append, replace, drop, '' = unlock only), head,
# epoch, ttl ms, entries... Returns 1 when written, 0 when the token no longer held the lock or
# the log to append to is gone.
_LOG_WRITE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local mode = ARGV[2]
if mode == '' then return 1 end
if mode == 'drop' then redis.call('DEL', KEYS[2], KEYS[3]) return 1 end
if mode == 'append' then
  if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[4] then return 0 end
else
  redis.call('DEL', KEYS[3])
end
for i = 6, #ARGV, 1000 do redis.call('RPUSH', KEYS[3], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
redis.call('HSET', KEYS[2], 'head', ARGV[3], 'epoch', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return 1
"""

_KEYS = _NOW + "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')"


def redact_url(url: str) -> str:
    """The URL without its userinfo (a password must never reach a log or the banner)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class RedisStore:
    def __init__(self, url: str, *, namespace: str, sealer: Callable[[], Sealer], timeout: float = 2.0) -> None:
        self.url = redact_url(url)
        self._p = namespace
        self._secrets = SharedSecrets(sealer)
        try:
            self._r = aioredis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
            )
        except (ValueError, RedisError) as exc:
            raise ConfigError(f"--store {self.url}: {exc}") from None
        self._put = self._r.register_script(_PUT)
        self._del = self._r.register_script(_DELETE)
        self._reserve = self._r.register_script(_RESERVE)
        self._release = self._r.register_script(_RELEASE)
        self._block = self._r.register_script(_BLOCK)
        self._unlock = self._r.register_script(_UNLOCK)
        self._extend = self._r.register_script(_EXTEND)
        self._keys = self._r.register_script(_KEYS)
        self._log_read = self._r.register_script(_LOG_READ)
        self._log_write = self._r.register_script(_LOG_WRITE)

    async def _do(self, op: Callable[[], Awaitable[T]]) -> T:
        try:
            return await op()
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(f"state store {self.url}: {type(exc).__name__}: {exc}") from None

    def _kv(self, ns: str, key: str) -> list[str]:
        return [f"{self._p}:kv:{ns}:{key}", f"{self._p}:idx:{ns}"]

    # --- key/value ------------------------------------------------------------------------------

    async def get(self, ns: str, key: str) -> bytes | None:
        value: Any = await self._do(lambda: self._r.get(self._kv(ns, key)[0]))
        return None if value is None else bytes(value)

    async def put(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self._do(lambda: self._put(self._kv(ns, key), [value, _ms(ttl), key, 0]))

    async def put_if_absent(self, ns: str, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        return bool(await self._do(lambda: self._put(self._kv(ns, key), [value, _ms(ttl), key, 1])))

    async def take(self, ns: str, key: str) -> bytes | None:
        value: Any = await self._do(lambda: self._del(self._kv(ns, key), [key, 1]))
        return None if value is None else bytes(value)

    async def delete(self, ns: str, key: str) -> None:
        await self._do(lambda: self._del(self._kv(ns, key), [key, 0]))

    async def keys(self, ns: str, prefix: str = "") -> list[str]:
        found: Any = await self._do(lambda: self._keys([self._kv(ns, "")[1]], []))
        names = (k.decode() if isinstance(k, bytes) else str(k) for k in found)
        return sorted(k for k in names if k.startswith(prefix))

    # --- budget ---------------------------------------------------------------------------------

    async def reserve(self, bucket: str, *, capacity: int, period: float, slot: str, hold: float,
                      finished: Sequence[tuple[str, float]] = ()) -> float:
        keys = [f"{self._p}:slots:{bucket}", f"{self._p}:block:{bucket}"]
        args: list[str | int] = [capacity, _ms(period), slot, _ms(hold)]
        for done, ago in finished:
            args += [done, max(int(ago * 1000), 0)]
        wait: Any = await self._do(lambda: self._reserve(keys, args))
        return int(wait) / 1000

    async def release(self, bucket: str, slot: str, *, ago: float = 0.0) -> None:
        await self._do(lambda: self._release([f"{self._p}:slots:{bucket}"], [slot, max(int(ago * 1000), 0)]))

    async def block(self, bucket: str, seconds: float) -> None:
        await self._do(lambda: self._block([f"{self._p}:block:{bucket}"], [_ms(seconds)]))

    # --- coordination ---------------------------------------------------------------------------

    @asynccontextmanager
    async def lock(self, name: str, *, ttl: float, heartbeat: bool = False) -> AsyncIterator[None]:
        key, token = f"{self._p}:lock:{name}", secrets.token_hex(16)
        if not await self._do(lambda: self._r.set(key, token, nx=True, px=_ms(ttl))):
            raise LockBusy(name)
        try:
            async with renewed(lambda: self._do(lambda: self._extend([key], [token, _ms(ttl)])),
                               ttl / 3 if heartbeat else None):
                yield
        finally:
            with anyio.CancelScope(shield=True):
                await self._do(lambda: self._unlock([key], [token]))

    # --- logs -----------------------------------------------------------------------------------

    def hold_log(self, ns: str, key: str, *, since: LogMark | None, ttl: float,
                 lock_ttl: float) -> AbstractAsyncContextManager[Held]:
        return hold(self, ns, key, since=since, ttl=ttl, lock_ttl=lock_ttl)

    def _log_keys(self, ns: str, key: str) -> list[str]:
        return [f"{self._p}:lock:log:{ns}:{key}", f"{self._p}:log:{ns}:{key}", f"{self._p}:logl:{ns}:{key}"]

    async def _read(self, ns: str, key: str, token: str, since: LogMark | None, lock_ttl: float) -> LogRead | None:
        args: list[str | int] = [token, _ms(lock_ttl), since.epoch if since else "", since.length if since else 0]
        found: Any = await self._do(lambda: self._log_read(self._log_keys(ns, key), args))
        if found == 0:
            return None
        if not found:
            return LogRead(None)
        head, epoch, start, entries = found
        return LogRead(bytes(head), epoch.decode() if isinstance(epoch, bytes) else str(epoch), int(start),
                       [bytes(e) for e in entries])

    async def read_log(self, ns: str, key: str, *, since: LogMark | None) -> LogRead:
        read = await self._read(ns, key, "", since, 0)
        assert read is not None  # only a locking read can find the lock held
        return read

    async def lock_and_read_log(self, ns: str, key: str, token: str, since: LogMark | None,
                                lock_ttl: float) -> LogRead | None:
        return await self._read(ns, key, token, since, lock_ttl)

    async def extend_log_lock(self, ns: str, key: str, token: str, lock_ttl: float) -> None:
        await self._do(lambda: self._extend([self._log_keys(ns, key)[0]], [token, _ms(lock_ttl)]))

    async def write_and_unlock_log(self, ns: str, key: str, token: str, change: Change | None, ttl: float) -> bool:
        args: list[bytes | str | int] = [token, "", b"", "", _ms(ttl)]
        if change is not None:
            args = [token, change.mode, change.head, change.epoch, _ms(ttl), *change.entries]
        return bool(await self._do(lambda: self._log_write(self._log_keys(ns, key), args)))

    async def shared_secret(self, name: str) -> bytes:
        return await self._secrets.get(self, name)

    async def ping(self) -> None:
        await self._do(self._r.ping)

    async def aclose(self) -> None:
        try:
            await self._r.aclose()
        except (RedisError, OSError):
            pass


def _ms(seconds: float | None) -> int:
    return 0 if seconds is None else max(int(seconds * 1000), 1)
