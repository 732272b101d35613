//! The conformance suite and the owner fault tests, instantiated for `owner_tokio`; the
//! conformance suite for the hand-written reference owner.

use statebench_owner_tokio::{HandwrittenOwnerKv, OwnerTokio};

statebench_conformance::conformance_tests!(owner_tokio = OwnerTokio; all);
statebench_conformance::conformance_tests!(owner_handwritten; kv = HandwrittenOwnerKv);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerTokio);
