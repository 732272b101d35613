//! The session manager over a `DashMap`.

use std::fmt;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use statebench_core::{
    Error, Family, Service, Session, SessionId, Sessions, SessionsOp, SessionsReply, Settings,
};

use crate::{ABOUT_DASHMAP, Handle};

/// The session manager over a `DashMap` (`dashmap`), with a sweeper thread for cleanup.
#[derive(Clone)]
pub struct DashSessions {
    handle: Handle<DashMap<SessionId, Session>>,
    lifetime: Duration,
    cleanup_every: Duration,
}

impl fmt::Debug for DashSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashSessions")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl DashSessions {
    /// How many sessions are stored, expired ones included until the sweeper drops them.
    pub fn stored_len(&self) -> usize {
        self.handle.shared.state.len()
    }
}

impl Service<Sessions> for DashSessions {
    const NAME: &'static str = "dashmap";
    const FAMILY: Family = Family::Concurrent;
    const ABOUT: &'static str = ABOUT_DASHMAP;

    fn start(initial: Sessions, settings: &Settings) -> Self {
        let (lifetime, cleanup_every) = (initial.lifetime(), initial.cleanup_interval());
        let map = initial.into_stored().map(|s| (s.id, s)).collect();
        DashSessions {
            handle: Handle::new::<Sessions>(map, settings, Some(cleanup_every), sweep_sessions),
            lifetime,
            cleanup_every,
        }
    }

    #[inline]
    fn call(&self, op: SessionsOp) -> Result<SessionsReply, Error> {
        let map = self.handle.state()?;
        let now = self.handle.now_for::<Sessions>();
        Ok(match op {
            SessionsOp::Create(id) => {
                let session = Session::fresh(id, now, self.lifetime);
                map.insert(id, session.clone());
                SessionsReply::Session(Some(session))
            }
            SessionsOp::Get(id) => {
                SessionsReply::Session(map.get(&id).filter(|s| s.is_live(now)).map(|s| s.clone()))
            }
            SessionsOp::Delete(id) => {
                SessionsReply::Live(map.remove(&id).is_some_and(|(_, s)| s.is_live(now)))
            }
            SessionsOp::SetData { id, key, value } => SessionsReply::Live(
                map.get_mut(&id)
                    .is_some_and(|mut s| s.set_data_if_live(key, value, now)),
            ),
            SessionsOp::Touch(id) => SessionsReply::Live(
                map.get_mut(&id)
                    .is_some_and(|mut s| s.touch_if_live(now, self.lifetime)),
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
        let sessions = map.iter().map(|e| e.value().clone());
        Ok(Sessions::new(self.lifetime, self.cleanup_every).with_sessions(sessions))
    }
}

fn sweep_sessions(map: &DashMap<SessionId, Session>, now: Instant) {
    map.retain(|_, s| s.is_live(now));
}

#[cfg(test)]
mod tests {
    use super::*;
    use statebench_conformance::wait::{PATIENCE, eventually};
    use statebench_core::ManualClock;
    use statebench_core::ext::SessionsExt;

    #[test]
    fn the_sweeper_drops_expired_sessions_by_itself() {
        let manual = ManualClock::new();
        let settings = Settings {
            clock: manual.clock(),
            ..Settings::default()
        };
        let initial = Sessions::new(Duration::from_secs(60), Duration::from_millis(2));
        let sessions = DashSessions::start(initial, &settings);
        for id in 0..10 {
            sessions.create(id).expect("create");
        }
        manual.advance(Duration::from_secs(30));
        assert_eq!(sessions.touch(0), Ok(true));
        manual.advance(Duration::from_secs(31));
        assert!(
            eventually(|| sessions.stored_len() == 1),
            "the sweep did not happen within {PATIENCE:?}"
        );
        assert!(sessions.session(0).expect("get").is_some());
    }
}
