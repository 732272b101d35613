//! The conformance suite and the owner fault tests, instantiated for `owner_thread`.

use statebench_owner_thread::OwnerThread;

statebench_conformance::conformance_tests!(owner_thread = OwnerThread; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerThread);
