//! The conformance suite, instantiated for `sharded_tokio` on the services whose operations
//! name keys. Each shard is an `owner_tokio`, whose fault tests cover the owner itself.

use statebench_owner_tokio::ShardedTokio;

statebench_conformance::conformance_tests!(sharded_tokio = ShardedTokio; kv, sessions, cache);
