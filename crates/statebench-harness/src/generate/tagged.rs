//! Values that say whom they were written for and by whom: what lets a client check any value
//! it reads, and tell its own latest write from a stale one.

use statebench_core::rng::Rng;

/// Values written for key `k` carry `k` in their high half, so any value read can be checked
/// to have been written for that key, and their writer in bits 16–31: client `c` writes
/// `c + 1` there (as far as 16 bits hold it), the prefill 0. A client that reads a value of
/// its own can tell whether it is its latest write ([`OwnWrite`]). The low 16 bits are drawn.
pub fn tagged_value(key: u64, writer: Option<usize>, rng: &mut Rng) -> u64 {
    let writer = writer.map_or(0, |c| (c as u64 % 0xFFFF) + 1);
    (key << 32) | (writer << 16) | (rng.next_u64() & 0xFFFF)
}

/// The writer field of a tagged value (0: the prefill's).
#[inline(always)]
pub(super) fn writer_of(value: u64) -> u16 {
    (value >> 16) as u16
}

/// What a client knows of a key from its own plan at one operation: its own latest write to
/// the key before it. Any reply carrying this client's writer must be exactly that write — an
/// older one of its own is a stale read — whatever other clients did meanwhile, since their
/// values carry their own writers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnWrite {
    /// The client's writer field; 0 when it never writes the key (nothing to expect).
    pub writer: u16,
    /// Its latest write to the key: the value, or `None` for a delete.
    pub value: Option<u64>,
    /// Whether that write is earlier in the same lap of the plan, so that the client made it
    /// before this operation even in its first lap (a write later in the plan comes before
    /// only from the second lap on).
    pub this_lap: bool,
}

impl OwnWrite {
    /// For each operation of a plan walked in order and cycled, the client's latest write to
    /// its key before it; `write` says what an operation writes where (`None`: it writes
    /// nothing), `key` which key it touches.
    pub fn of_plan<Op>(
        ops: &[Op],
        key: impl Fn(&Op) -> Option<u64>,
        write: impl Fn(&Op) -> Option<(u64, Option<u64>)>,
    ) -> Vec<OwnWrite> {
        let writer = ops
            .iter()
            .find_map(|op| write(op).and_then(|(_, v)| v))
            .map_or(0, writer_of);
        let mut out = vec![OwnWrite::default(); ops.len()];
        if writer == 0 {
            return out;
        }
        let mut latest: std::collections::HashMap<u64, Option<u64>> = Default::default();
        // The first walk fills what the lap itself wrote before each operation; the second
        // what is left from the end of the previous lap.
        for this_lap in [true, false] {
            for (i, op) in ops.iter().enumerate() {
                if let Some(k) = key(op)
                    && out[i].writer == 0
                    && let Some(&value) = latest.get(&k)
                {
                    out[i] = OwnWrite {
                        writer,
                        value,
                        this_lap,
                    };
                }
                if let Some((k, value)) = write(op) {
                    latest.insert(k, value);
                }
            }
        }
        out
    }

    /// Whether `read` (a reply's value for the key) fits this client's own latest write: a
    /// value of this client's must be that write. Anything else — another client's value,
    /// the prefill's, or nothing — is some other client's doing; when the own write came
    /// earlier in this lap it is counted in `foreign`, since a lone client can meet none.
    #[inline(always)]
    pub(super) fn fits(self, read: Option<u64>, foreign: &mut u64) -> bool {
        if self.writer == 0 {
            return true;
        }
        match read {
            Some(v) if writer_of(v) == self.writer => self.value == Some(v),
            _ if read == self.value => true,
            _ => {
                *foreign += u64::from(self.this_lap);
                true
            }
        }
    }
}

/// Whether `value`, read for `key`, was written for that key.
#[inline(always)]
pub(super) fn tag_ok(key: u64, value: Option<u64>) -> bool {
    value.is_none_or(|v| v >> 32 == key)
}

/// Why a tagged reply failed its check.
#[cold]
#[inline(never)]
pub(super) fn explain_tagged(
    op: &dyn std::fmt::Debug,
    key: u64,
    value: Option<u64>,
    reply: &dyn std::fmt::Debug,
) -> String {
    match value {
        Some(v) if v >> 32 != key => {
            format!("{op:?} returned {v:#x}, a value never written for key {key}")
        }
        _ => format!("{op:?} got the reply {reply:?}"),
    }
}
