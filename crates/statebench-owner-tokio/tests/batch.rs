//! The conformance suite and the owner fault tests, instantiated for `owner_tokio_batch`.

use statebench_owner_tokio::OwnerTokioBatch;

statebench_conformance::conformance_tests!(owner_tokio_batch = OwnerTokioBatch; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerTokioBatch);
