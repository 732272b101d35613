//! The open loop's schedule: when each client's sends are due, how late they went and whose
//! lateness it was, and the pacer that wakes task clients.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::control::Control;
use crate::measure::Latencies;

/// One client's open-loop schedule: its `k`-th send is due `(k + phase) · interval` after
/// `start`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Schedule {
    pub(super) start: Instant,
    pub(super) phase: f64,
    pub(super) interval_ns: f64,
}

impl Schedule {
    /// The schedules of `clients` clients offered `rate` operations a second in all, staggered
    /// evenly over one interval.
    pub(super) fn for_clients(start: Instant, clients: usize, rate: u64) -> Vec<Schedule> {
        let interval_ns = clients as f64 * 1e9 / rate as f64;
        (0..clients)
            .map(|i| Schedule {
                start,
                phase: i as f64 / clients as f64,
                interval_ns,
            })
            .collect()
    }

    pub(super) fn due(&self, k: u64) -> Instant {
        self.start + Duration::from_nanos(((k as f64 + self.phase) * self.interval_ns) as u64)
    }

    /// How many sends were due by `at`.
    pub(super) fn due_by(&self, at: Instant) -> u64 {
        let elapsed = at.saturating_duration_since(self.start).as_nanos() as f64;
        let slots = elapsed / self.interval_ns - self.phase;
        if slots < 0.0 { 0 } else { slots as u64 + 1 }
    }

    pub(super) fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns as u64)
    }
}

/// One client's open-loop measures, recorded for the window's operations only.
pub(super) struct OpenStats {
    pub(super) schedule: Schedule,
    pub(super) service_time: Latencies,
    pub(super) send_lag: Latencies,
    pub(super) late: u64,
    pub(super) late_by_sender: u64,
    /// When the previous call was sent and its reply came (`None` before the first).
    pub(super) previous_call: Option<(Instant, Instant)>,
    /// Why the previous send was late, if it was.
    pub(super) previous_cause: Lateness,
}

/// Why a send went out late ([`OpenLoop::late_by_sender`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lateness {
    /// Within one client interval of its scheduled instant.
    OnTime,
    /// The previous reply had come before the send was due, or the lateness goes back to such
    /// a send through calls each quicker than the interval: the sender itself woke late.
    Sender,
    /// The previous call had not returned when this send was due, and either took a whole
    /// interval or more itself or was sent on time: the service.
    Service,
}

impl Lateness {
    /// The cause of a send that went out `lag` behind its schedule at `due`, after a previous
    /// call sent and replied at `previous_call` and late for `previous`.
    pub(super) fn of(
        lag: Duration,
        interval: Duration,
        due: Instant,
        previous_call: Option<(Instant, Instant)>,
        previous: Lateness,
    ) -> Lateness {
        match previous_call {
            _ if lag < interval => Lateness::OnTime,
            None => Lateness::Sender,
            Some((_, replied)) if replied <= due => Lateness::Sender,
            // A call as long as the interval makes the next one late by itself.
            Some((sent, replied)) if replied - sent >= interval => Lateness::Service,
            _ if previous == Lateness::OnTime => Lateness::Service,
            _ => previous,
        }
    }
}

/// The longest an open-loop sender sleeps before it looks whether the run is stopping.
pub(super) const STOP_CHECK: Duration = Duration::from_millis(20);

/// Sleeps until `due`, in slices of at most [`STOP_CHECK`]; `false` if the run began to stop.
pub(super) fn sleep_until(due: Instant, control: &Control) -> bool {
    loop {
        if control.stopping() {
            return false;
        }
        let left = due.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(STOP_CHECK));
    }
}

/// The task clients' pacer, on its own thread: rings each client's bell at every instant one
/// of its sends is due, in the order the sends fall due (slot `j` is client `j mod C`'s
/// `j div C`-th), and rings every bell when the run stops. Behind schedule, it rings every
/// overdue bell at once.
pub(super) fn pace(schedules: &[Schedule], bells: &[Arc<tokio::sync::Notify>], control: &Control) {
    crate::os::fine_timer_slack();
    let clients = schedules.len() as u64;
    let mut slot = 0u64;
    loop {
        let client = (slot % clients) as usize;
        if !sleep_until(schedules[client].due(slot / clients), control) {
            break;
        }
        bells[client].notify_one();
        slot += 1;
    }
    for bell in bells {
        bell.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, Instant, Lateness};

    #[test]
    pub(super) fn a_late_send_is_charged_to_whoever_began_its_chain() {
        let interval = Duration::from_micros(10);
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        let late = Duration::from_micros(30);
        let due = at(100);
        // On time, whatever came before.
        let short = Some((at(118), at(125)));
        assert_eq!(
            Lateness::of(
                Duration::from_micros(3),
                interval,
                due,
                short,
                Lateness::Service
            ),
            Lateness::OnTime
        );
        // No previous call, or its reply came before the send was due: the sender woke late.
        assert_eq!(
            Lateness::of(late, interval, due, None, Lateness::OnTime),
            Lateness::Sender
        );
        let before = Some((at(85), at(90)));
        assert_eq!(
            Lateness::of(late, interval, due, before, Lateness::Service),
            Lateness::Sender
        );
        // A call as long as the interval, still running when the next was due: the service,
        // whoever began the chain.
        let long = Some((at(80), at(125)));
        assert_eq!(
            Lateness::of(late, interval, due, long, Lateness::Sender),
            Lateness::Service
        );
        // A short call, sent on time, still running: the service; sent late, the chain's cause.
        assert_eq!(
            Lateness::of(late, interval, due, short, Lateness::OnTime),
            Lateness::Service
        );
        for cause in [Lateness::Sender, Lateness::Service] {
            assert_eq!(Lateness::of(late, interval, due, short, cause), cause);
        }
    }
}
