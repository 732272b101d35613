//! The session manager: sessions with a data map that expire after a fixed lifetime.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use crate::{Kind, StateMachine, Work, is_live};

/// A session's identifier.
pub type SessionId = u64;

/// A session's data: string keys to string values, ordered so replies compare and print stably.
pub type SessionData = BTreeMap<String, String>;

/// One session, as stored and as returned by `create` and `get`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Its identifier.
    pub id: SessionId,
    /// Its data.
    pub data: SessionData,
    /// The instant it stops being live (it is live while `now < expires_at`).
    pub expires_at: Instant,
}

impl Session {
    /// A fresh session with no data, expiring `lifetime` after `now`.
    pub fn fresh(id: SessionId, now: Instant, lifetime: Duration) -> Session {
        Session {
            id,
            data: SessionData::new(),
            expires_at: now + lifetime,
        }
    }

    /// `true` while the session has not expired at `now`.
    pub fn is_live(&self, now: Instant) -> bool {
        is_live(self.expires_at, now)
    }

    /// `SetData` on this stored session: sets `key` if the session is live; returns whether it
    /// was. Shared by every strategy that stores sessions, so they agree with the model.
    pub fn set_data_if_live(&mut self, key: String, value: String, now: Instant) -> bool {
        let live = self.is_live(now);
        if live {
            self.data.insert(key, value);
        }
        live
    }

    /// `Touch` on this stored session: extends it to `now + lifetime` if it is live; returns
    /// whether it was.
    pub fn touch_if_live(&mut self, now: Instant, lifetime: Duration) -> bool {
        let live = self.is_live(now);
        if live {
            self.expires_at = now + lifetime;
        }
        live
    }
}

/// An operation on the session manager. Every operation treats an expired session as absent,
/// whether or not a cleanup has removed it yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionsOp {
    /// Makes a fresh session (replacing any with the same id) and replies with it.
    Create(SessionId),
    /// Reads a live session.
    Get(SessionId),
    /// Removes a session; replies whether it was live.
    Delete(SessionId),
    /// Sets one data entry of a live session; replies whether it was live. Does not extend
    /// the session's life (that is `Touch`).
    SetData {
        /// The session.
        id: SessionId,
        /// The data key.
        key: String,
        /// The data value.
        value: String,
    },
    /// Extends a live session to `now + lifetime`; replies whether it was live.
    Touch(SessionId),
}

/// The reply of the session manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionsReply {
    /// The session created or read (`None`: no live session with that id).
    Session(Option<Session>),
    /// Whether the session was live (`Delete`, `SetData`, `Touch`).
    Live(bool),
}

/// The session manager as a sequential state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sessions {
    lifetime: Duration,
    cleanup_every: Duration,
    sessions: HashMap<SessionId, Session>,
    work: Work,
}

impl Sessions {
    /// The default session lifetime: 30 minutes.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(30 * 60);
    /// The default interval between cleanups: 1 minute.
    pub const DEFAULT_CLEANUP_EVERY: Duration = Duration::from_secs(60);

    /// An empty manager whose sessions live `lifetime` and whose expired sessions are dropped
    /// every `cleanup_every`.
    pub fn new(lifetime: Duration, cleanup_every: Duration) -> Self {
        Sessions {
            lifetime,
            cleanup_every,
            sessions: HashMap::new(),
            work: Work::NONE,
        }
    }

    /// The same manager holding `sessions` (used by strategies that split the state and must
    /// hand back a whole one at shutdown).
    pub fn with_sessions(mut self, sessions: impl IntoIterator<Item = Session>) -> Self {
        self.sessions = sessions.into_iter().map(|s| (s.id, s)).collect();
        self
    }

    /// How long a session lives after `create` or `touch`.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The cleanup interval.
    pub fn cleanup_interval(&self) -> Duration {
        self.cleanup_every
    }

    /// The stored sessions, expired ones included until a cleanup drops them.
    pub fn stored(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// Gives up the stored sessions.
    pub fn into_stored(self) -> impl Iterator<Item = Session> {
        self.sessions.into_values()
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new(Self::DEFAULT_LIFETIME, Self::DEFAULT_CLEANUP_EVERY)
    }
}

impl StateMachine for Sessions {
    type Op = SessionsOp;
    type Reply = SessionsReply;
    type Key = SessionId;
    const SERVICE: &'static str = "sessions";
    const ABOUT: &'static str =
        "session manager: create, get, set_data, touch, delete; sessions expire";
    const KINDS: &'static [Kind] = &[
        Kind::writer("create"),
        Kind::reader("get"),
        Kind::writer("set_data"),
        Kind::writer("touch"),
        Kind::writer("delete"),
    ];

    fn kind(op: &SessionsOp) -> usize {
        match op {
            SessionsOp::Create(_) => 0,
            SessionsOp::Get(_) => 1,
            SessionsOp::SetData { .. } => 2,
            SessionsOp::Touch(_) => 3,
            SessionsOp::Delete(_) => 4,
        }
    }

    fn key(op: &SessionsOp) -> Option<&SessionId> {
        match op {
            SessionsOp::Create(id)
            | SessionsOp::Get(id)
            | SessionsOp::SetData { id, .. }
            | SessionsOp::Touch(id)
            | SessionsOp::Delete(id) => Some(id),
        }
    }

    fn apply(&mut self, op: SessionsOp, now: Instant) -> SessionsReply {
        if !matches!(op, SessionsOp::Get(_)) {
            self.work.spend();
        }
        match op {
            SessionsOp::Create(id) => {
                let session = Session::fresh(id, now, self.lifetime);
                self.sessions.insert(id, session.clone());
                SessionsReply::Session(Some(session))
            }
            SessionsOp::Delete(id) => {
                SessionsReply::Live(self.sessions.remove(&id).is_some_and(|s| s.is_live(now)))
            }
            SessionsOp::SetData { id, key, value } => SessionsReply::Live(
                self.sessions
                    .get_mut(&id)
                    .is_some_and(|s| s.set_data_if_live(key, value, now)),
            ),
            SessionsOp::Touch(id) => SessionsReply::Live(
                self.sessions
                    .get_mut(&id)
                    .is_some_and(|s| s.touch_if_live(now, self.lifetime)),
            ),
            get @ SessionsOp::Get(_) => match self.read(&get, now) {
                Some(reply) => reply,
                None => unreachable!("Get is answered by read"),
            },
        }
    }

    fn read(&self, op: &SessionsOp, now: Instant) -> Option<SessionsReply> {
        match op {
            SessionsOp::Get(id) => {
                self.work.spend();
                Some(SessionsReply::Session(
                    self.sessions.get(id).filter(|s| s.is_live(now)).cloned(),
                ))
            }
            _ => None,
        }
    }

    fn work(&self) -> Work {
        self.work
    }

    fn set_work(&mut self, work: Work) {
        self.work = work;
    }

    fn cleanup(&mut self, now: Instant) {
        self.sessions.retain(|_, s| s.is_live(now));
    }

    fn cleanup_every(&self) -> Option<Duration> {
        Some(self.cleanup_every)
    }
}

impl crate::sharded::Shardable for Sessions {
    fn split(self, parts: usize, route: &dyn Fn(&SessionId) -> usize) -> Vec<Self> {
        let mut split: Vec<Self> = (0..parts)
            .map(|_| Sessions {
                work: self.work,
                ..Sessions::new(self.lifetime, self.cleanup_every)
            })
            .collect();
        for (id, session) in self.sessions {
            split[route(&id)].sessions.insert(id, session);
        }
        split
    }

    fn join(parts: Vec<Self>) -> Self {
        let (lifetime, every, work) = parts.first().map_or(
            (
                Self::DEFAULT_LIFETIME,
                Self::DEFAULT_CLEANUP_EVERY,
                Work::NONE,
            ),
            |p| (p.lifetime, p.cleanup_every, p.work),
        );
        let mut joined = Sessions::new(lifetime, every)
            .with_sessions(parts.into_iter().flat_map(|p| p.into_stored()));
        joined.work = work;
        joined
    }

    /// Every operation names a session: there is never more than one reply.
    fn join_replies(_: &SessionsOp, replies: Vec<SessionsReply>) -> SessionsReply {
        replies
            .into_iter()
            .next()
            .unwrap_or(SessionsReply::Live(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::every_kind_declared;

    const LIFE: Duration = Duration::from_secs(10);

    fn set(id: SessionId, key: &str, value: &str) -> SessionsOp {
        SessionsOp::SetData {
            id,
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn create_get_set_data_touch_delete() {
        let t0 = Instant::now();
        let mut s = Sessions::new(LIFE, LIFE);
        let created = Session::fresh(7, t0, LIFE);
        assert_eq!(
            s.apply(SessionsOp::Create(7), t0),
            SessionsReply::Session(Some(created.clone()))
        );
        assert_eq!(
            s.apply(set(7, "user", "ada"), t0),
            SessionsReply::Live(true)
        );
        assert_eq!(
            s.apply(set(8, "user", "bob"), t0),
            SessionsReply::Live(false)
        );
        let mut expected = created;
        expected.data.insert("user".into(), "ada".into());
        assert_eq!(
            s.apply(SessionsOp::Get(7), t0),
            SessionsReply::Session(Some(expected.clone()))
        );
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(s.apply(SessionsOp::Touch(7), t1), SessionsReply::Live(true));
        expected.expires_at = t1 + LIFE;
        assert_eq!(
            s.apply(SessionsOp::Get(7), t1),
            SessionsReply::Session(Some(expected))
        );
        assert_eq!(
            s.apply(SessionsOp::Delete(7), t1),
            SessionsReply::Live(true)
        );
        assert_eq!(
            s.apply(SessionsOp::Delete(7), t1),
            SessionsReply::Live(false)
        );
    }

    #[test]
    fn expired_sessions_are_absent_before_and_after_cleanup() {
        let t0 = Instant::now();
        let mut s = Sessions::new(LIFE, LIFE);
        s.apply(SessionsOp::Create(1), t0);
        s.apply(SessionsOp::Create(2), t0);
        let edge = t0 + LIFE;
        assert_eq!(
            s.apply(SessionsOp::Get(1), edge),
            SessionsReply::Session(None)
        );
        assert_eq!(
            s.apply(SessionsOp::Touch(1), edge),
            SessionsReply::Live(false)
        );
        assert_eq!(s.apply(set(1, "k", "v"), edge), SessionsReply::Live(false));
        assert_eq!(s.stored().count(), 2, "no cleanup has run yet");
        assert_eq!(
            s.apply(SessionsOp::Delete(2), edge),
            SessionsReply::Live(false)
        );
        s.cleanup(edge);
        assert_eq!(s.stored().count(), 0);
        // Re-creating an expired id gives a fresh, empty session.
        assert_eq!(
            s.apply(SessionsOp::Create(1), edge),
            SessionsReply::Session(Some(Session::fresh(1, edge, LIFE)))
        );
    }

    #[test]
    fn create_replaces_an_existing_session() {
        let t0 = Instant::now();
        let mut s = Sessions::new(LIFE, LIFE);
        s.apply(SessionsOp::Create(1), t0);
        s.apply(set(1, "k", "v"), t0);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(
            s.apply(SessionsOp::Create(1), t1),
            SessionsReply::Session(Some(Session::fresh(1, t1, LIFE)))
        );
    }

    #[test]
    fn reads_agree_with_apply() {
        let t0 = Instant::now();
        let mut s = Sessions::default();
        s.apply(SessionsOp::Create(1), t0);
        let ops = vec![
            SessionsOp::Get(1),
            SessionsOp::Get(2),
            SessionsOp::SetData {
                id: 1,
                key: "k".into(),
                value: "v".into(),
            },
            SessionsOp::Touch(1),
            SessionsOp::Create(3),
            SessionsOp::Delete(1),
        ];
        every_kind_declared(&mut s, ops, t0);
        assert_eq!(s.cleanup_every(), Some(Sessions::DEFAULT_CLEANUP_EVERY));
        assert_eq!(s.lifetime(), Sessions::DEFAULT_LIFETIME);
    }
}
