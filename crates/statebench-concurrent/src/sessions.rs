//! The session manager over a concurrent map.

use std::fmt;
use std::time::{Duration, Instant};

use statebench_core::{
    Error, Family, Service, Session, SessionId, Sessions, SessionsOp, SessionsReply, Settings,
    StateMachine, Work,
};

use crate::Handle;
use crate::map::SharedMap;

/// The session manager over concurrent map `M` ([`DashSessions`], [`PapayaSessions`],
/// [`SccSessions`]), with a sweeper thread for cleanup.
pub struct MapSessions<M> {
    handle: Handle<M>,
    lifetime: Duration,
    cleanup_every: Duration,
    work: Work,
}

/// The session manager over a `DashMap` (`dashmap`).
pub type DashSessions = MapSessions<dashmap::DashMap<SessionId, Session>>;
/// The session manager over papaya's `HashMap` (`papaya`).
pub type PapayaSessions = MapSessions<papaya::HashMap<SessionId, Session>>;
/// The session manager over scc's `HashMap` (`scc`).
pub type SccSessions = MapSessions<scc::HashMap<SessionId, Session>>;

impl<M> Clone for MapSessions<M> {
    fn clone(&self) -> Self {
        MapSessions {
            handle: self.handle.clone(),
            lifetime: self.lifetime,
            cleanup_every: self.cleanup_every,
            work: self.work,
        }
    }
}

impl<M: SharedMap<SessionId, Session>> fmt::Debug for MapSessions<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapSessions")
            .field("map", &M::NAME)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl<M: SharedMap<SessionId, Session>> MapSessions<M> {
    /// How many sessions are stored, expired ones included until the sweeper drops them.
    pub fn stored_len(&self) -> usize {
        self.handle.shared.state.count()
    }
}

impl<M: SharedMap<SessionId, Session>> Service<Sessions> for MapSessions<M> {
    const NAME: &'static str = M::NAME;
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = M::ABOUT;

    fn start(initial: Sessions, settings: &Settings) -> Self {
        let (lifetime, cleanup_every) = (initial.lifetime(), initial.cleanup_interval());
        let work = initial.work();
        let map = M::from_entries(initial.into_stored().map(|s| (s.id, s)));
        MapSessions {
            handle: Handle::new::<Sessions>(map, settings, Some(cleanup_every), sweep_sessions),
            lifetime,
            cleanup_every,
            work,
        }
    }

    #[inline]
    fn call(&self, op: SessionsOp) -> Result<SessionsReply, Error> {
        let (map, work) = (self.handle.state()?, self.work);
        let now = self.handle.now_for::<Sessions>();
        Ok(match op {
            SessionsOp::Create(id) => {
                let session = Session::fresh(id, now, self.lifetime);
                map.insert(id, session.clone(), work);
                SessionsReply::Session(Some(session))
            }
            SessionsOp::Get(id) => SessionsReply::Session(
                map.read(&id, work, |s| s.is_live(now).then(|| s.clone()))
                    .flatten(),
            ),
            SessionsOp::Delete(id) => {
                SessionsReply::Live(map.remove(&id, work).is_some_and(|s| s.is_live(now)))
            }
            SessionsOp::SetData { id, key, value } => {
                SessionsReply::Live(map.modify(&id, (key, value), work, |s, (key, value)| {
                    s.set_data_if_live(key, value, now)
                }))
            }
            SessionsOp::Touch(id) => SessionsReply::Live(
                map.modify(&id, (), work, |s, ()| s.touch_if_live(now, self.lifetime)),
            ),
        })
    }

    async fn call_async(&self, op: SessionsOp) -> Result<SessionsReply, Error> {
        self.call(op)
    }

    fn cleanup(&self) -> Result<(), Error> {
        sweep_sessions(self.handle.state()?, self.handle.now_for::<Sessions>());
        Ok(())
    }

    fn shutdown(&self) -> Result<Sessions, Error> {
        let map = self.handle.stop()?;
        let mut sessions = Vec::with_capacity(map.count());
        map.for_each(|_, s| sessions.push(s.clone()));
        let mut state = Sessions::new(self.lifetime, self.cleanup_every).with_sessions(sessions);
        state.set_work(self.work);
        Ok(state)
    }
}

fn sweep_sessions<M: SharedMap<SessionId, Session>>(map: &M, now: Instant) {
    map.retain(|_, s| s.is_live(now));
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_conformance::wait::{PATIENCE, eventually};
    use statebench_core::ManualClock;
    use statebench_core::ext::SessionsExt;

    fn the_sweeper_drops_expired_sessions<M: SharedMap<SessionId, Session>>() {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let initial = Sessions::new(Duration::from_secs(60), Duration::from_millis(2));
        let sessions = MapSessions::<M>::start(initial, &settings);
        for id in 0..10 {
            sessions.create(id).expect("create");
        }
        manual.advance(Duration::from_secs(30));
        assert_eq!(sessions.touch(0), Ok(true));
        manual.advance(Duration::from_secs(31));
        assert!(
            eventually(|| sessions.stored_len() == 1),
            "{}: the sweep did not happen within {PATIENCE:?}",
            M::NAME
        );
        assert!(sessions.session(0).expect("get").is_some());
    }

    #[test]
    fn every_map_sweeps_expired_sessions_by_itself() {
        the_sweeper_drops_expired_sessions::<dashmap::DashMap<SessionId, Session>>();
        the_sweeper_drops_expired_sessions::<papaya::HashMap<SessionId, Session>>();
        the_sweeper_drops_expired_sessions::<scc::HashMap<SessionId, Session>>();
    }
}
