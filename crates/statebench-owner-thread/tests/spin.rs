//! The conformance suite and the owner fault tests, instantiated for `owner_thread_spin`.

use statebench_owner_thread::OwnerThreadSpin;

statebench_conformance::conformance_tests!(owner_thread_spin = OwnerThreadSpin; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerThreadSpin);
