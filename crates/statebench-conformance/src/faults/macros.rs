//! The macros that instantiate the fault tests in a strategy's crate. Each takes any number of
//! strategies, `name = Strategy` separated by `;`, and makes a module `name` of tests for each;
//! anything else is refused with a message saying what to write.

/// Instantiates the lifecycle tests for strategies generic over the state machine:
/// `lifecycle_tests!(mutex_std = MutexStd, locks; combining = Combining, locks)`.
///
/// After a strategy, `locks` adds the lock-only test (a panic inside the critical section
/// stops the service); `owner` holds the cancellation storm to an owner's promise: its calls
/// wait for a reply, so some drops must land mid-call, and some of those after the owner took
/// the request. Owners with a bounded mailbox take [`owner_fault_tests!`](crate::owner_fault_tests) instead, which
/// includes these. The tests compile only under `cargo test`, so the names need not resolve
/// here; a kind it does not know is refused at compile time all the same:
///
/// ```
/// statebench_conformance::lifecycle_tests!(mutex_std = MutexStd, locks; dashmap = DashMap);
/// ```
///
/// ```compile_fail
/// statebench_conformance::lifecycle_tests!(mutex_std = MutexStd, lock);
/// ```
#[macro_export]
macro_rules! lifecycle_tests {
    ($($name:ident = $strategy:ident $(, $kind:ident)?);+ $(;)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                use $crate::faults::{self, Probe};
                $crate::__lifecycle_kind!($name = $strategy $(, $kind)?);
            }
        )+
    };
    ($($anything:tt)*) => {
        compile_error!(
            "lifecycle_tests!: write `name = Strategy`, optionally followed by `, locks` or \
             `, owner`; several strategies separated by `;`"
        );
    };
}

/// One strategy's lifecycle tests by its kind ([`lifecycle_tests!`](crate::lifecycle_tests)),
/// in the module made for it; not for use on its own.
#[doc(hidden)]
#[macro_export]
macro_rules! __lifecycle_kind {
    ($name:ident = $strategy:ident) => {
        $crate::__lifecycle_fns!($strategy, false);
    };
    ($name:ident = $strategy:ident, owner) => {
        $crate::__lifecycle_fns!($strategy, true);
    };
    ($name:ident = $strategy:ident, locks) => {
        $crate::__lifecycle_fns!($strategy, false);
        #[test]
        fn panic_in_apply_stops_the_service() {
            let injected = faults::panic_in_apply_stops_a_lock::<$strategy<Probe>>();
            println!(
                "{}: {injected} panics injected, every later call Stopped",
                <$strategy<Probe> as $crate::__core::Service<Probe>>::NAME
            );
        }
    };
    ($name:ident = $strategy:ident, $other:ident) => {
        compile_error!(concat!(
            "lifecycle_tests!: `",
            stringify!($other),
            "` after `",
            stringify!($name),
            " = ",
            stringify!($strategy),
            "` is not a kind: write `locks`, `owner`, or nothing"
        ));
    };
}

/// The lifecycle tests of one strategy, as functions of the module they are expanded in;
/// `$owner` holds the cancellation storm to an owner's promise. Not for use on its own.
#[doc(hidden)]
#[macro_export]
macro_rules! __lifecycle_fns {
    ($strategy:ident, $owner:literal) => {
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
    };
}

/// Instantiates the owner fault tests — the lifecycle tests held to an owner's promise, and
/// the mailbox's in `owner_faults` — for owner strategies with a bounded mailbox:
/// `owner_fault_tests!(owner_tokio = OwnerTokio; owner_tokio_batch = OwnerTokioBatch)`.
/// A kind after the strategy is refused at compile time (every owner here is held to an
/// owner's promise):
///
/// ```
/// statebench_conformance::owner_fault_tests!(owner_tokio = OwnerTokio; owner_smol = OwnerSmol);
/// ```
///
/// ```compile_fail
/// statebench_conformance::owner_fault_tests!(owner_tokio = OwnerTokio, owner);
/// ```
#[macro_export]
macro_rules! owner_fault_tests {
    ($($name:ident = $strategy:ident);+ $(;)?) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                use $crate::faults::{self, Probe};
                $crate::__lifecycle_fns!($strategy, true);
                mod owner_faults {
                    #[allow(unused_imports)]
                    use super::*;
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
            }
        )+
    };
    ($($anything:tt)*) => {
        compile_error!(
            "owner_fault_tests!: write `name = Strategy` for an owner with a bounded mailbox \
             (an `OwnerService`); several separated by `;`"
        );
    };
}
