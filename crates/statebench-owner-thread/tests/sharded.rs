//! The conformance suite, instantiated for `sharded_thread` on the services whose operations
//! name keys. Each shard is an `owner_thread`, whose fault tests cover the owner itself.

use statebench_owner_thread::ShardedThread;

statebench_conformance::conformance_tests!(sharded_thread = ShardedThread; kv, sessions, cache);
