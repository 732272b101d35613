//! The client loops: a client walks its plan, times one operation in so many, checks every
//! reply; closed loop and open loop, blocking from a thread and async from a task.

use std::sync::Arc;
use std::sync::atomic::Ordering::{Relaxed, Release};
use std::thread;
use std::time::{Duration, Instant};

use statebench_core::Service;

use super::cell::mask_of;
use super::control::{Control, MEASURING, WARMING_UP};
use super::schedule::{Lateness, OpenStats, Schedule, sleep_until};
use crate::generate::{PLAN_LEN, PlanOf, Rng, Subject};
use crate::measure::Latencies;

/// One client: its plan and what it measured and saw.
///
/// The per-operation bookkeeping is kept to a counter and a wrap-around: the operations of the
/// window and their kinds are derived afterwards from where in its plan the window opened,
/// since the client walks its plan in order.
pub(super) struct Client<S: Subject> {
    pub(super) plan: PlanOf<S>,
    pub(super) next: usize,
    pub(super) sample_mask: usize,
    /// Shifts which positions are timed; drawn afresh at every lap.
    pub(super) sample_offset: usize,
    pub(super) lap_rng: Rng,
    /// Operations completed so far, warm-up included.
    pub(super) done: u64,
    /// `done` when the window opened.
    pub(super) window_start: Option<u64>,
    pub(super) latencies: Latencies,
    pub(super) tally: S::Tally,
    /// 1 if the client stopped after applying an operation it did not count (it finished it
    /// as the window closed), 0 if it stopped between operations (an open-loop client waiting
    /// for its next send).
    pub(super) uncounted: u64,
    /// The open loop's schedule and measures (`None` in a closed loop).
    pub(super) open: Option<OpenStats>,
}

impl<S: Subject> Client<S> {
    pub(super) fn new(plan: PlanOf<S>, kinds: usize, sample_every: u32, seed: u64) -> Self {
        let mut lap_rng = Rng::new(seed);
        Client {
            sample_offset: lap_rng.below(PLAN_LEN as u64) as usize,
            plan,
            next: 0,
            // Plans are PLAN_LEN (a power of two) long, so timing the positions `p` with
            // `(p + offset) % sample_every == 0` times one in `sample_every`. A fixed set of
            // positions could miss a kind altogether (one client timing 16 positions of 4096
            // saw no `set` at all); a new offset every lap samples every position, so every
            // kind is timed in proportion.
            sample_mask: mask_of(sample_every),
            lap_rng,
            done: 0,
            window_start: None,
            latencies: Latencies::new(kinds),
            tally: S::Tally::default(),
            uncounted: 0,
            open: None,
        }
    }

    /// This client in an open loop on `schedule`.
    pub(super) fn open(mut self, schedule: Schedule) -> Self {
        let kinds = S::KINDS.len();
        self.open = Some(OpenStats {
            schedule,
            service_time: Latencies::new(kinds),
            send_lag: Latencies::new(1),
            late: 0,
            late_by_sender: 0,
            previous_call: None,
            previous_cause: Lateness::OnTime,
        });
        self
    }

    /// When the next send is due (open loop only).
    pub(super) fn due(&self) -> Option<Instant> {
        self.open.as_ref().map(|o| o.schedule.due(self.done))
    }

    /// [`Client::complete`] for an open-loop call due at `due`, sent at `sent`, replied at
    /// `replied`: the latency counts from `due`; the service time and the send's lag are
    /// recorded beside it.
    pub(super) fn complete_open(
        &mut self,
        reply: Result<S::Reply, statebench_core::Error>,
        (due, sent, replied): (Instant, Instant, Instant),
        control: &Control,
    ) -> bool {
        let kind = usize::from(self.plan.kinds[self.next]);
        let lag = sent.saturating_duration_since(due);
        // The cause is followed through warm-up and window alike, so a chain of late sends is
        // traced back to where it began.
        let cause = self.open.as_mut().map(|open| {
            let cause = Lateness::of(
                lag,
                open.schedule.interval(),
                due,
                open.previous_call,
                open.previous_cause,
            );
            (open.previous_call, open.previous_cause) = (Some((sent, replied)), cause);
            cause
        });
        if !self.complete(reply, Some(replied.saturating_duration_since(due)), control) {
            return false;
        }
        // The phase only moves forward, and `complete` counted this operation: so it was
        // inside the window exactly when the window has opened.
        if self.window_start.is_some()
            && let Some(open) = &mut self.open
        {
            open.service_time
                .record(kind, replied.saturating_duration_since(sent));
            open.send_lag.record(0, lag);
            match cause {
                Some(Lateness::Sender) => {
                    open.late += 1;
                    open.late_by_sender += 1;
                }
                Some(Lateness::Service) => open.late += 1,
                _ => {}
            }
        }
        true
    }

    /// The next operation, and whether to time it.
    #[inline(always)]
    pub(super) fn next_op(&self) -> (S::Op, bool) {
        (
            self.plan.ops[self.next].clone(),
            (self.next + self.sample_offset) & self.sample_mask == 0,
        )
    }

    /// Checks the reply and counts the operation if it completed inside the window; `false`
    /// when the client must stop.
    // Inlined into the loop: out of line, the reply travels through memory and the call's
    // bookkeeping showed up as a tenth of the runner's profile on `mutex_std`.
    #[inline(always)]
    pub(super) fn complete(
        &mut self,
        reply: Result<S::Reply, statebench_core::Error>,
        latency: Option<Duration>,
        control: &Control,
    ) -> bool {
        let next = self.next;
        let (op, expect) = (&self.plan.ops[next], self.plan.expected[next]);
        match reply {
            Ok(reply) if S::check(op, &reply, expect, &mut self.tally) => {}
            Ok(reply) => {
                control.fail(S::explain(op, &reply, expect));
                return false;
            }
            Err(e) => {
                control.fail(call_failed(op, e));
                return false;
            }
        }
        match control.phase.load(Relaxed) {
            WARMING_UP => {}
            MEASURING => {
                if self.window_start.is_none() {
                    self.open_window(control);
                }
                if let Some(latency) = latency {
                    self.latencies
                        .record(usize::from(self.plan.kinds[next]), latency);
                }
            }
            _ => {
                self.uncounted = 1;
                return false;
            }
        }
        self.done += 1;
        if next + 1 == self.plan.ops.len() {
            self.new_lap();
        } else {
            self.next = next + 1;
        }
        true
    }

    #[cold]
    pub(super) fn new_lap(&mut self) {
        self.next = 0;
        self.sample_offset = self.lap_rng.below(PLAN_LEN as u64) as usize;
    }

    #[cold]
    pub(super) fn open_window(&mut self, control: &Control) {
        self.window_start = Some(self.done);
        control.present.fetch_add(1, Relaxed);
    }

    /// Operations completed inside the window.
    pub(super) fn window_ops(&self) -> u64 {
        self.window_start.map_or(0, |start| self.done - start)
    }

    /// Operations completed inside the window, per kind.
    pub(super) fn window_ops_by_kind(&self, kinds: usize) -> Vec<u64> {
        let mut counts = vec![0u64; kinds];
        let Some(start) = self.window_start else {
            return counts;
        };
        let ops = self.done - start;
        let len = self.plan.kinds.len() as u64;
        let (laps, rest) = (ops / len, ops % len);
        for (i, kind) in self.plan.kinds.iter().enumerate() {
            // Position i of the plan was visited `laps` times, plus once more if it falls in the
            // partial lap that began where the window opened.
            let offset = (i as u64 + len - start % len) % len;
            counts[usize::from(*kind)] += laps + u64::from(offset < rest);
        }
        counts
    }
}

#[cold]
#[inline(never)]
pub(super) fn call_failed(op: &dyn std::fmt::Debug, e: statebench_core::Error) -> String {
    format!("{op:?} failed: {e}")
}

pub(super) fn run_blocking<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: &Control,
    think: Duration,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    loop {
        let (op, timed) = client.next_op();
        let start = timed.then(Instant::now);
        let reply = service.call(op);
        let latency = start.map(|s| s.elapsed());
        if !client.complete(reply, latency, control) {
            break;
        }
        if !think.is_zero() {
            thread::sleep(think);
        }
    }
    client
}

pub(super) async fn run_async<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: Arc<Control>,
    think: Duration,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    loop {
        let (op, timed) = client.next_op();
        let start = timed.then(Instant::now);
        let reply = service.call_async(op).await;
        let latency = start.map(|s| s.elapsed());
        if !client.complete(reply, latency, &control) {
            break;
        }
        if !think.is_zero() {
            tokio::time::sleep(think).await;
        }
        // A lock's async call is always ready at once, so a client looping on it would never
        // give its worker back: two clients would hog both workers and starve the other 108
        // (the first `demo` showed writers making no progress). Spending tokio's cooperative
        // budget makes every client yield once its budget is used up, as a task that touches
        // any tokio resource does; owner calls already spend it.
        tokio::task::coop::consume_budget().await;
    }
    client
}

/// An open-loop thread client: sleeps to each scheduled send, or sends at once when behind.
pub(super) fn run_open_blocking<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: &Control,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    crate::os::fine_timer_slack();
    while let Some(due) = client.due() {
        if !sleep_until(due, control) {
            break;
        }
        let (op, _) = client.next_op();
        let sent = Instant::now();
        let reply = service.call(op);
        let replied = Instant::now();
        if !client.complete_open(reply, (due, sent, replied), control) {
            break;
        }
    }
    client
}

/// An open-loop task client: waits for the pacer's bell until its next send is due, or sends
/// at once when behind.
pub(super) async fn run_open_async<S: Subject, I: Service<S>>(
    service: I,
    mut client: Client<S>,
    control: Arc<Control>,
    bell: Arc<tokio::sync::Notify>,
) -> Client<S> {
    control.started.fetch_add(1, Release);
    while let Some(due) = client.due() {
        while Instant::now() < due {
            if control.stopping() {
                return client;
            }
            // The pacer rings at this client's every due instant, and once more when the run
            // stops; a ring stored while the client was busy only costs one more look.
            bell.notified().await;
        }
        if control.stopping() {
            break;
        }
        let (op, _) = client.next_op();
        let sent = Instant::now();
        let reply = service.call_async(op).await;
        let replied = Instant::now();
        if !client.complete_open(reply, (due, sent, replied), &control) {
            break;
        }
        tokio::task::coop::consume_budget().await;
    }
    client
}
