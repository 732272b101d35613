//! The conformance suite and the owner fault tests, instantiated for `owner_tokio`.

use statebench_owner_tokio::OwnerTokio;

statebench_conformance::conformance_tests!(owner_tokio = OwnerTokio; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerTokio);
