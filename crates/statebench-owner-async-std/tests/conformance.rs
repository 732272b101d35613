//! The conformance suite and the owner fault tests, instantiated for `owner_async_std`.

use statebench_owner_async_std::OwnerAsyncStd;

statebench_conformance::conformance_tests!(owner_async_std = OwnerAsyncStd; all);
statebench_conformance::owner_fault_tests!(lifecycle = OwnerAsyncStd);
