//! Turns a statebench results document into what people read: plain-text tables for the
//! terminal ([`table`]), SVG plots ([`plots`]) and a markdown report ([`markdown`]) with its
//! decision guide ([`guide`]), the open loop's knees ([`knee`]), the owner forms' targets ([`owners`]), the library rows' questions
//! ([`picks`]), Go beside Rust and the reference text's table ([`mod@reference`]) and its
//! machine-and-floors
//! section ([`machine`]), whose every
//! figure comes from the document, so rendering the same file twice gives the same report;
//! how far several runs agree ([`agreement`]); what changed between two builds ([`compare`])
//! and how often that verdict is right ([`power`]).

#![deny(missing_docs)]

pub mod advise;
pub mod agreement;
pub mod compare;
pub mod crossover;
pub mod guide;
pub mod knee;
pub mod machine;
pub mod markdown;
pub mod owners;
pub mod picks;
pub mod plots;
pub mod power;
mod questions;
pub mod reference;
pub mod roles;
pub mod table;
pub mod terminal;
