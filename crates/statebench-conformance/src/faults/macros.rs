//! The macros that instantiate the fault tests in a strategy's crate.

/// Instantiates the lifecycle tests for a strategy generic over the state machine.
/// `locks` adds the lock-only test (a panic inside the critical section stops the service);
/// `owner` holds the cancellation storm to an owner's promise: its calls wait for a reply, so
/// some drops must land mid-call, and some of those after the owner took the request.
#[macro_export]
macro_rules! lifecycle_tests {
    ($name:ident = $strategy:ident, owner) => {
        $crate::lifecycle_tests!(@tests $name = $strategy, true);
    };
    ($name:ident = $strategy:ident $(, $locks:ident)?) => {
        $crate::lifecycle_tests!(@tests $name = $strategy, false $(, $locks)?);
    };
    (@tests $name:ident = $strategy:ident, $owner:literal $(, $locks:ident)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::faults::{self, Probe};
            #[test]
            fn cleanup_runs_periodically() {
                faults::cleanup_runs_periodically::<$strategy<Probe>>();
            }
            #[test]
            fn dropping_every_handle_ends_the_service() {
                faults::dropping_every_handle_ends_the_service::<$strategy<Probe>>();
            }
            #[test]
            fn shutdown_keeps_every_acknowledged_write() {
                let kept = faults::shutdown_keeps_every_acknowledged_write::<$strategy<Probe>>();
                println!(
                    "{}: shut down while 3 writers wrote: {kept} writes kept, each writer refused once",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            #[test]
            fn random_cancellations_leak_nothing() {
                let storm = faults::random_cancellations_leak_nothing::<$strategy<Probe>>(
                    $crate::faults::STORM,
                    0x5eed_0001,
                );
                let name = <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME;
                if $owner {
                    assert!(
                        storm.mid_call > 0 && storm.applied_unacknowledged > 0,
                        "{name}: no cancellation landed mid-call after the owner took the request: {storm}"
                    );
                }
                println!(
                    "{name}: {} async calls dropped after 0-3 polls: {storm}; none lost, none leaked",
                    $crate::faults::STORM
                );
            }
            $(
            #[test]
            fn panic_in_apply_stops_the_service() {
                let _ = stringify!($locks);
                let injected = faults::panic_in_apply_stops_a_lock::<$strategy<Probe>>();
                println!(
                    "{}: {injected} panics injected, every later call Stopped",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            )?
        }
    };
}

/// Instantiates the owner fault tests (lifecycle plus mailbox behaviour) for an owner strategy.
#[macro_export]
macro_rules! owner_fault_tests {
    ($name:ident = $strategy:ident) => {
        $crate::lifecycle_tests!($name = $strategy, owner);
        mod owner_faults {
            #[allow(unused_imports)]
            use super::*;
            use $crate::faults::{self, Probe};
            #[test]
            fn timed_out_caller_does_not_wedge_the_owner() {
                faults::timed_out_caller_does_not_wedge_the_owner::<$strategy<Probe>>();
            }
            #[test]
            fn cancelled_async_callers_do_not_wedge_the_owner() {
                faults::cancelled_async_callers_do_not_wedge_the_owner::<$strategy<Probe>>();
            }
            #[test]
            fn full_mailbox_refuses_try_call() {
                faults::full_mailbox_refuses_try_call::<$strategy<Probe>>();
            }
            #[test]
            fn panicking_owner_stops_its_callers() {
                faults::panicking_owner_stops_its_callers::<$strategy<Probe>>();
            }
            #[test]
            fn shutdown_applies_what_was_queued() {
                faults::shutdown_applies_what_was_queued::<$strategy<Probe>>();
            }
            #[test]
            fn shutdown_applies_what_was_queued_behind_it() {
                faults::shutdown_applies_what_was_queued_behind_it::<$strategy<Probe>>();
            }
            #[test]
            fn random_timeouts_leak_nothing() {
                let calls = $crate::faults::STORM / 2;
                let (timed_out, applied) =
                    faults::random_timeouts_leak_nothing::<$strategy<Probe>>(calls, 0x5eed_0002);
                println!(
                    "{}: {calls} calls with random time limits, {timed_out} timed out \
                     ({applied} of them applied after their caller gave up); none lost, none leaked",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            #[test]
            fn overload_keeps_memory_bounded() {
                // Three times as many callers as mailbox slots.
                let seen = faults::overload_keeps_memory_bounded::<$strategy<Probe>>(
                    12,
                    std::time::Duration::from_millis(300),
                );
                println!(
                    "{}: overload {seen:?}",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
            #[test]
            fn shutdown_under_load_leaves_no_owner() {
                let start = || {
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::start(
                        Probe::new(None).0,
                        &Default::default(),
                    )
                };
                let (acked, stopped) = faults::shutdown_under_load_leaves_no_owner(start, 4, None);
                println!(
                    "{}: 4 owners shut down under load: {acked} writes kept, {stopped} writers stopped, no owner left",
                    <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
                );
            }
        }
    };
}
