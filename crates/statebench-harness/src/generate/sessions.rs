//! The session manager as the harness drives it.

use std::time::{Duration, Instant};

use statebench_core::{Service, Sessions, SessionsOp, SessionsReply, StateMachine};

use statebench_core::rng::Rng;

use super::subject::{Lookups, Subject};
use crate::verify::{self, RunEnd};
use crate::workload::Workload;

/// The data keys a client sets.
const DATA_KEYS: [&str; 3] = ["user", "cart", "theme"];

/// One number for a (session, data key) pair, to find each client's last write to it.
fn data_slot(id: u64, key: &str) -> Option<u64> {
    let k = DATA_KEYS.iter().position(|d| *d == key)?;
    Some(id * DATA_KEYS.len() as u64 + k as u64)
}

fn data_value(id: u64, rng: &mut Rng, len: usize) -> String {
    let mut value = format!("{id}:");
    while value.len() < len {
        value.push(char::from(b'a' + (rng.below(26) as u8)));
    }
    value
}

impl Subject for Sessions {
    type Tally = Lookups;
    type Expect = ();

    fn initial(workload: &Workload, now: Instant) -> Self {
        let lifetime = Duration::from_millis(workload.session_lifetime_ms);
        let mut sessions =
            Sessions::new(lifetime, Duration::from_millis(workload.cleanup_every_ms));
        if workload.prefill {
            // The steady share of the sessions, created at ages spread over a lifetime so
            // that they expire at an even trickle, not all at once.
            let mut rng = Rng::new(0x5E55);
            let share = workload.live_share();
            for id in 0..workload.keys {
                if rng.unit() < share {
                    let age = lifetime.mul_f64(rng.unit());
                    let created = now.checked_sub(age).unwrap_or(now);
                    sessions.apply(SessionsOp::Create(id), created);
                }
            }
        }
        sessions
    }

    fn op(kind: usize, id: u64, _: usize, rng: &mut Rng, workload: &Workload) -> SessionsOp {
        match kind {
            0 => SessionsOp::Create(id),
            1 => SessionsOp::Get(id),
            2 => SessionsOp::SetData {
                id,
                key: DATA_KEYS[rng.below(3) as usize].into(),
                value: data_value(id, rng, workload.value_bytes),
            },
            3 => SessionsOp::Touch(id),
            _ => SessionsOp::Delete(id),
        }
    }

    #[inline]
    fn check(op: &SessionsOp, reply: &SessionsReply, _: (), tally: &mut Lookups) -> bool {
        // Data values start with their session's id and a colon.
        let owned_by =
            |v: &String, id: u64| v.split(':').next().and_then(|p| p.parse().ok()) == Some(id);
        match (op, reply) {
            (SessionsOp::Create(id), SessionsReply::Session(Some(s))) => {
                s.id == *id && s.data.is_empty()
            }
            (SessionsOp::Get(_), SessionsReply::Session(None)) => {
                tally.count(false);
                true
            }
            (SessionsOp::Get(id), SessionsReply::Session(Some(s))) => {
                tally.count(true);
                s.id == *id && s.data.values().all(|v| owned_by(v, *id))
            }
            (
                SessionsOp::SetData { .. } | SessionsOp::Touch(_) | SessionsOp::Delete(_),
                SessionsReply::Live(_),
            ) => true,
            _ => false,
        }
    }

    fn explain(op: &SessionsOp, reply: &SessionsReply, _: ()) -> String {
        format!("{op:?} got the reply {reply:?}, which is not a reply to it")
    }

    fn merge(into: &mut Lookups, from: Lookups) {
        into.merge(from);
    }

    /// The probes: a session created and given data through one handle is read back, data
    /// and all, through another.
    fn verify_end<I: Service<Self>>(
        end: &RunEnd<'_, SessionsOp, Lookups>,
        service: &I,
    ) -> Result<(), String> {
        let (writer, reader) = (service.clone(), service.clone());
        let call = |s: &I, op: SessionsOp| s.call(op).map_err(|e| e.to_string());
        for id in end.workload.keys..end.workload.keys + verify::PROBES {
            let value = format!("{id}:probe");
            let created = call(&writer, SessionsOp::Create(id))?;
            let set = call(
                &writer,
                SessionsOp::SetData {
                    id,
                    key: "probe".into(),
                    value: value.clone(),
                },
            )?;
            let read = call(&reader, SessionsOp::Get(id))?;
            let fine = matches!(&created, SessionsReply::Session(Some(s)) if s.id == id)
                && set == SessionsReply::Live(true)
                && matches!(&read, SessionsReply::Session(Some(s))
                    if s.data.get("probe") == Some(&value));
            if !fine {
                return Err(format!(
                    "probe: session {id} created ({created:?}) and given data ({set:?}) through \
                     one handle read back as {read:?} through another"
                ));
            }
        }
        Ok(())
    }

    /// The probe sessions are in the state handed back, with their data. Then the clients'
    /// sessions, each live one:
    ///
    /// * its every data value is some client's last write to that session and data key — a
    ///   value is replaced by every later write while the session lives, and wiped with it, so
    ///   an older one can only remain where a write was dropped;
    /// * if some client touched or created it during the run, it expires no earlier than a
    ///   lifetime after the run began: either the touch found it live and extended it from
    ///   then, or it was created again later — so a skipped touch is caught.
    fn verify_final(
        end: &RunEnd<'_, SessionsOp, Lookups>,
        state: &Self,
        now: Instant,
    ) -> Result<(), String> {
        let data = end.last_writes(|op| match op {
            SessionsOp::SetData { id, key, value } => Some((data_slot(*id, key)?, value.clone())),
            _ => None,
        });
        let renewed = end.last_writes(|op| match op {
            SessionsOp::Touch(id) | SessionsOp::Create(id) => Some((*id, ())),
            _ => None,
        });
        let earliest = end.started + state.lifetime();
        for s in state
            .stored()
            .filter(|s| s.id < end.workload.keys && s.is_live(now))
        {
            for (key, value) in &s.data {
                let written = data_slot(s.id, key).and_then(|slot| data.get(&slot));
                if !written.is_some_and(|w| w.contains(value)) {
                    return Err(format!(
                        "session {} holds {key} = {value:?} at the end, which is no client's \
                         last write to it (those were {written:?}): a write was dropped",
                        s.id
                    ));
                }
            }
            if renewed.contains_key(&s.id) && s.expires_at < earliest {
                return Err(format!(
                    "session {} was touched or created during the run, yet expires {:?} \
                     before a lifetime after the run began: a touch was skipped",
                    s.id,
                    earliest - s.expires_at
                ));
            }
        }
        for id in end.workload.keys..end.workload.keys + verify::PROBES {
            let held = state.read(&SessionsOp::Get(id), now);
            let fine = matches!(&held, Some(SessionsReply::Session(Some(s)))
                if s.data.get("probe").is_some_and(|v| *v == format!("{id}:probe")));
            if !fine {
                return Err(format!(
                    "the final state lost the probe's session {id}: it holds {held:?}"
                ));
            }
        }
        Ok(())
    }

    fn hits(tally: &Lookups) -> Option<(u64, u64)> {
        Some((tally.found, tally.made))
    }

    fn live_size(state: &Self, keys: u64, now: Instant) -> Option<u64> {
        Some(
            state
                .stored()
                .filter(|s| s.id < keys && s.is_live(now))
                .count() as u64,
        )
    }
}
