//! The conformance suite and the owner fault tests, instantiated for `owner_smol`.

use statebench_owner_smol::OwnerSmol;

statebench_conformance::conformance_tests!(owner_smol = OwnerSmol; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerSmol);
