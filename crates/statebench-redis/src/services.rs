//! How each service's state sits in a Redis database, and which command each operation is.
//!
//! - **kv**: a string per key, its value in decimal. Native commands match the state machine
//!   exactly: `GET`; `SET key value GET` (the previous value); `GETDEL`; `DBSIZE` (the
//!   database holds this service's keys alone).
//! - **counter**: one string, `count`, Redis's signed 64-bit integer holding the count's bits
//!   (two's complement: `u64::MAX` is `-1`, so `INCR` wraps it to 0 as `wrapping_add` does).
//!   `INCR`; `GET`; `SET count 0 GET`. `INCR` refuses to pass 2⁶³ − 1, where the count goes
//!   on to 2⁶³: only then a script makes that step.
//! - **sessions**: a hash per session, field `e` its expiry ([`Time`]) and a field `d…` per
//!   data entry. `HGETALL` reads one, and the client decides whether it is live; create,
//!   set_data, touch and delete are scripts, since each reads the expiry and writes on it.
//! - **cache**: a string per key, the expiry's 20 digits then the value. `GET`,
//!   `SET … GET` and `GETDEL` return the entry as it was, and the client decides whether it
//!   was live; `len` and cleanup are scripts over the database's keys.
//!
//! Every key is named through the service's [`Keys`]: as it is on a server where the service
//! has a database of its own, after a prefix of its own on a cluster, whose one database all
//! services share; the scripts that walk the keys take the pattern of the service's own.
//!
//! Expiry runs on statebench's clock: every script that decides liveness takes `now` from the
//! caller, so the conformance suite's manual clock drives it as it drives every other
//! strategy. Nothing is given a Redis TTL.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::{Cmd, RedisError, Script, Value};
use statebench_core::{
    CacheEntry, CacheOp, CacheReply, CacheU64, Counter, CounterOp, CounterReply, KvOp, KvReply,
    KvU64, Session, SessionData, Sessions, SessionsOp, SessionsReply, is_live,
};

use crate::store::{
    COUNT_KEYS, Keys, Redis, Stored, TIME_DIGITS, Time, eval, hash, integer, number, text,
};

/// The key-value store in Redis.
pub type RedisKv = Redis<KvU64>;
/// The counter in Redis.
pub type RedisCounter = Redis<Counter>;
/// The session manager in Redis.
pub type RedisSessions = Redis<Sessions>;
/// The TTL cache in Redis.
pub type RedisCache = Redis<CacheU64>;

fn cmd(name: &str) -> Cmd {
    redis::cmd(name)
}

impl Stored for KvU64 {
    type Meta = ();

    fn scripts() -> Vec<&'static Script> {
        Vec::new()
    }

    fn meta(&self) {}

    fn load(self, _t: &Time, keys: &Keys) -> Vec<Cmd> {
        self.into_entries()
            .into_iter()
            .map(|(k, v)| {
                let mut c = cmd("SET");
                c.arg(keys.key(k)).arg(v);
                c
            })
            .collect()
    }

    fn request(op: &KvOp<u64, u64>, _meta: &(), _now: Instant, _t: &Time, keys: &Keys) -> Cmd {
        match op {
            KvOp::Get(k) => cmd("GET").arg(keys.key(k)).clone(),
            KvOp::Set(k, v) => cmd("SET").arg(keys.key(k)).arg(v).arg("GET").clone(),
            KvOp::Delete(k) => cmd("GETDEL").arg(keys.key(k)).clone(),
            // The database holds this service's keys alone, unless it is shared.
            KvOp::Len if keys.shared() => eval(&COUNT_KEYS, &[], &[&keys.pattern()]),
            KvOp::Len => cmd("DBSIZE"),
        }
    }

    fn reply(
        op: KvOp<u64, u64>,
        value: Value,
        _meta: &(),
        _now: Instant,
        _t: &Time,
    ) -> Result<KvReply<u64>, String> {
        Ok(match op {
            KvOp::Len => KvReply::Len(usize::try_from(integer(value)?).map_err(|e| e.to_string())?),
            _ => KvReply::Value(number(value)?),
        })
    }

    fn from_dump(_meta: &(), dump: Vec<(String, Value)>, _t: &Time) -> Result<Self, String> {
        let entries = dump
            .into_iter()
            .map(|(k, v)| {
                let k = k.parse().map_err(|_| format!("not a u64 key: {k:?}"))?;
                let v = number(v)?.ok_or("a key without a value")?;
                Ok((k, v))
            })
            .collect::<Result<Vec<(u64, u64)>, String>>()?;
        Ok(KvU64::from_entries(entries))
    }
}

/// The counter's one key.
const COUNT: &str = "count";

/// `INCR` where it refuses: from 2⁶³ − 1 the count goes on to 2⁶³, stored as −2⁶³.
static INCREMENT_PAST_SIGNED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == '9223372036854775807' then
  redis.call('SET', KEYS[1], '-9223372036854775808')
  return '-9223372036854775808'
end
return redis.call('INCR', KEYS[1])
",
    )
});

impl Stored for Counter {
    type Meta = ();

    fn scripts() -> Vec<&'static Script> {
        vec![&*INCREMENT_PAST_SIGNED]
    }

    fn meta(&self) {}

    fn load(self, _t: &Time, keys: &Keys) -> Vec<Cmd> {
        vec![
            cmd("SET")
                .arg(keys.key(COUNT))
                .arg(self.count() as i64)
                .clone(),
        ]
    }

    fn request(op: &CounterOp, _meta: &(), _now: Instant, _t: &Time, keys: &Keys) -> Cmd {
        match op {
            CounterOp::Increment => cmd("INCR").arg(keys.key(COUNT)).clone(),
            CounterOp::Get => cmd("GET").arg(keys.key(COUNT)).clone(),
            CounterOp::Reset => cmd("SET").arg(keys.key(COUNT)).arg(0).arg("GET").clone(),
        }
    }

    fn instead(op: &CounterOp, error: &RedisError, keys: &Keys) -> Option<Cmd> {
        let overflow = error.to_string().contains("overflow");
        (*op == CounterOp::Increment && overflow)
            .then(|| eval(&INCREMENT_PAST_SIGNED, &[&keys.key(COUNT)], &[]))
    }

    fn reply(
        _op: CounterOp,
        value: Value,
        _meta: &(),
        _now: Instant,
        _t: &Time,
    ) -> Result<CounterReply, String> {
        // A count never set reads as nil: zero.
        let count = match value {
            Value::Nil => 0,
            other => integer(other)?,
        };
        Ok(CounterReply(count as u64))
    }

    fn from_dump(_meta: &(), dump: Vec<(String, Value)>, _t: &Time) -> Result<Self, String> {
        let mut count = 0;
        for (k, v) in dump {
            if k != COUNT {
                return Err(format!("a key that is not the counter's: {k:?}"));
            }
            count = integer(v)? as u64;
        }
        Ok(Counter::starting_at(count))
    }
}

/// A data entry's field in a session's hash; the expiry's is `e`.
fn data_field(key: &str) -> String {
    format!("d{key}")
}

/// Replaces any session stored at `KEYS[1]` with a fresh one expiring at `ARGV[1]`.
static SESSION_CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'e', ARGV[1])
return 1
",
    )
});

/// Sets data field `ARGV[2]` to `ARGV[3]` if the session is live at `ARGV[1]`.
static SESSION_SET_DATA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local e = redis.call('HGET', KEYS[1], 'e')
if e and ARGV[1] < e then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
return 0
",
    )
});

/// Moves the expiry to `ARGV[2]` if the session is live at `ARGV[1]`.
static SESSION_TOUCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local e = redis.call('HGET', KEYS[1], 'e')
if e and ARGV[1] < e then
  redis.call('HSET', KEYS[1], 'e', ARGV[2])
  return 1
end
return 0
",
    )
});

/// Removes the session and returns its expiry (nil if there was none).
static SESSION_DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local e = redis.call('HGET', KEYS[1], 'e')
redis.call('DEL', KEYS[1])
return e
",
    )
});

/// Drops every session of the pattern `ARGV[2]` expired at `ARGV[1]`; returns how many.
static SESSION_CLEANUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, k in ipairs(redis.call('KEYS', ARGV[2])) do
  local e = redis.call('HGET', k, 'e')
  if not (e and ARGV[1] < e) then
    redis.call('DEL', k)
    n = n + 1
  end
end
return n
",
    )
});

/// A session from its hash's fields, or `None` if it has none (no such session).
fn session_of(id: u64, fields: Vec<(String, String)>, t: &Time) -> Result<Option<Session>, String> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut data = SessionData::new();
    let mut expires_at = None;
    for (field, value) in fields {
        match field.strip_prefix('d') {
            Some(key) => {
                data.insert(key.to_owned(), value);
            }
            None if field == "e" => expires_at = Some(t.decode(&value)?),
            None => return Err(format!("session {id} has an unknown field {field:?}")),
        }
    }
    let expires_at = expires_at.ok_or_else(|| format!("session {id} has no expiry"))?;
    Ok(Some(Session {
        id,
        data,
        expires_at,
    }))
}

impl Stored for Sessions {
    /// The lifetime and the cleanup interval: the service's settings, kept by the client.
    type Meta = (Duration, Duration);

    fn scripts() -> Vec<&'static Script> {
        vec![
            &*SESSION_CREATE,
            &*SESSION_SET_DATA,
            &*SESSION_TOUCH,
            &*SESSION_DELETE,
            &*SESSION_CLEANUP,
        ]
    }

    fn meta(&self) -> (Duration, Duration) {
        (self.lifetime(), self.cleanup_interval())
    }

    fn load(self, t: &Time, keys: &Keys) -> Vec<Cmd> {
        self.into_stored()
            .map(|s| {
                let mut c = cmd("HSET");
                c.arg(keys.key(s.id)).arg("e").arg(t.encode(s.expires_at));
                for (k, v) in &s.data {
                    c.arg(data_field(k)).arg(v);
                }
                c
            })
            .collect()
    }

    fn request(
        op: &SessionsOp,
        meta: &(Duration, Duration),
        now: Instant,
        t: &Time,
        keys: &Keys,
    ) -> Cmd {
        let (lifetime, _) = *meta;
        match op {
            SessionsOp::Create(id) => eval(
                &SESSION_CREATE,
                &[&keys.key(id)],
                &[&t.encode(now + lifetime)],
            ),
            SessionsOp::Get(id) => cmd("HGETALL").arg(keys.key(id)).clone(),
            SessionsOp::SetData { id, key, value } => eval(
                &SESSION_SET_DATA,
                &[&keys.key(id)],
                &[&t.encode(now), &data_field(key), value],
            ),
            SessionsOp::Touch(id) => eval(
                &SESSION_TOUCH,
                &[&keys.key(id)],
                &[&t.encode(now), &t.encode(now + lifetime)],
            ),
            SessionsOp::Delete(id) => eval(&SESSION_DELETE, &[&keys.key(id)], &[]),
        }
    }

    fn reply(
        op: SessionsOp,
        value: Value,
        meta: &(Duration, Duration),
        now: Instant,
        t: &Time,
    ) -> Result<SessionsReply, String> {
        Ok(match op {
            SessionsOp::Create(id) => {
                integer(value)?;
                SessionsReply::Session(Some(Session::fresh(id, now, meta.0)))
            }
            SessionsOp::Get(id) => {
                SessionsReply::Session(session_of(id, hash(value)?, t)?.filter(|s| s.is_live(now)))
            }
            SessionsOp::SetData { .. } | SessionsOp::Touch(_) => {
                SessionsReply::Live(integer(value)? == 1)
            }
            SessionsOp::Delete(_) => SessionsReply::Live(match text(value)? {
                Some(e) => is_live(t.decode(&e)?, now),
                None => false,
            }),
        })
    }

    fn sweep(now: Instant, t: &Time, keys: &Keys) -> Option<Cmd> {
        Some(eval(
            &SESSION_CLEANUP,
            &[],
            &[&t.encode(now), &keys.pattern()],
        ))
    }

    fn from_dump(
        meta: &(Duration, Duration),
        dump: Vec<(String, Value)>,
        t: &Time,
    ) -> Result<Self, String> {
        let sessions = dump
            .into_iter()
            .map(|(k, v)| {
                let id = k.parse().map_err(|_| format!("not a session id: {k:?}"))?;
                session_of(id, hash(v)?, t)?.ok_or_else(|| format!("session {id} is empty"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Sessions::new(meta.0, meta.1).with_sessions(sessions))
    }
}

/// A cache entry as stored: its expiry, then its value.
fn cache_entry(value: u64, expires_at: Instant, t: &Time) -> String {
    format!("{}{value}", t.encode(expires_at))
}

/// The entry a stored string holds.
fn cache_entry_of(stored: &str, t: &Time) -> Result<CacheEntry<u64>, String> {
    let value = stored
        .get(TIME_DIGITS..)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("not a stored cache entry: {stored:?}"))?;
    Ok(CacheEntry {
        value,
        expires_at: t.decode(stored)?,
    })
}

/// The value of the entry in a reply, if there was one and it is live at `now`.
fn live_value(value: Value, now: Instant, t: &Time) -> Result<Option<u64>, String> {
    Ok(match text(value)? {
        Some(stored) => cache_entry_of(&stored, t)?.into_live_value(now),
        None => None,
    })
}

/// Counts the entries of the pattern `ARGV[2]` live at `ARGV[1]`.
static CACHE_LEN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, k in ipairs(redis.call('KEYS', ARGV[2])) do
  if ARGV[1] < string.sub(redis.call('GET', k), 1, 20) then
    n = n + 1
  end
end
return n
",
    )
});

/// Drops every entry of the pattern `ARGV[2]` expired at `ARGV[1]`; returns how many.
static CACHE_CLEANUP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, k in ipairs(redis.call('KEYS', ARGV[2])) do
  if not (ARGV[1] < string.sub(redis.call('GET', k), 1, 20)) then
    redis.call('DEL', k)
    n = n + 1
  end
end
return n
",
    )
});

impl Stored for CacheU64 {
    /// The cleanup interval.
    type Meta = Duration;

    fn scripts() -> Vec<&'static Script> {
        vec![&*CACHE_LEN, &*CACHE_CLEANUP]
    }

    fn meta(&self) -> Duration {
        self.cleanup_interval()
    }

    fn load(self, t: &Time, keys: &Keys) -> Vec<Cmd> {
        self.into_stored()
            .map(|(k, e)| {
                cmd("SET")
                    .arg(keys.key(k))
                    .arg(cache_entry(e.value, e.expires_at, t))
                    .clone()
            })
            .collect()
    }

    fn request(
        op: &CacheOp<u64, u64>,
        _meta: &Duration,
        now: Instant,
        t: &Time,
        keys: &Keys,
    ) -> Cmd {
        match op {
            CacheOp::Get(k) => cmd("GET").arg(keys.key(k)).clone(),
            CacheOp::Set { key, value, ttl } => cmd("SET")
                .arg(keys.key(key))
                .arg(cache_entry(*value, now + *ttl, t))
                .arg("GET")
                .clone(),
            CacheOp::Delete(k) => cmd("GETDEL").arg(keys.key(k)).clone(),
            CacheOp::Len => eval(&CACHE_LEN, &[], &[&t.encode(now), &keys.pattern()]),
        }
    }

    fn reply(
        op: CacheOp<u64, u64>,
        value: Value,
        _meta: &Duration,
        now: Instant,
        t: &Time,
    ) -> Result<CacheReply<u64>, String> {
        Ok(match op {
            CacheOp::Len => {
                CacheReply::Len(usize::try_from(integer(value)?).map_err(|e| e.to_string())?)
            }
            _ => CacheReply::Value(live_value(value, now, t)?),
        })
    }

    fn sweep(now: Instant, t: &Time, keys: &Keys) -> Option<Cmd> {
        Some(eval(
            &CACHE_CLEANUP,
            &[],
            &[&t.encode(now), &keys.pattern()],
        ))
    }

    fn from_dump(meta: &Duration, dump: Vec<(String, Value)>, t: &Time) -> Result<Self, String> {
        let entries = dump
            .into_iter()
            .map(|(k, v)| {
                let k = k.parse().map_err(|_| format!("not a u64 key: {k:?}"))?;
                let stored = text(v)?.ok_or("a key without a value")?;
                Ok((k, cache_entry_of(&stored, t)?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(CacheU64::new(*meta).with_entries(entries))
    }
}
