//! What a run's placement is, as a results file keeps it: the thresholds that class a probe,
//! how a run's probes fell ([`Placement`]), where one trial stood, and what a view kept.

use crate::driver::Repetition;

/// A trial ran with the cores *far* apart when its probe took more than this many times the
/// run's near round trip ([`Placement::near_ns`]). The AMD host's two placements differ
/// several-fold (the committed watch, docs/METHODOLOGY.md "Where the cores stood"), so twice
/// the near one falls well between them.
pub const FAR: f64 = 2.0;

/// The quantile of a run's probes taken for its near round trip (with the floors, the lowest
/// of them: [`Placement::near_ns`]). Not the 10th: the AMD EPYC host has a third placement,
/// well under the common near one (the two vCPUs on one core's two hyperthreads, it seems), in
/// a fraction of a percent of the probes (`results/2026-12-05-epyc-near`), and a short run's
/// 10th percentile is its second-fastest probe: a few such probes, and the common near
/// placement reads as far. The quarter is the near placement whenever under three quarters of
/// a run ran far (docs/METHODOLOGY.md, "Where the cores stood", has how much ran far).
pub const NEAR_QUANTILE: f64 = 0.25;

/// A floor median sets the near round trip only when the probes' quarter is more than this many
/// times it ([`Placement::near_ns`]): the far placement sits about six times the near one, the
/// rarer ~30 ns placement about half of it.
pub const FLOOR_BELOW: f64 = 4.0;

/// A probe beyond this many times the near round trip was disturbed rather than far: another
/// process held one of the two cores through most of its rounds, so that each waited for a time
/// slice (as when two processes pin threads to cores 0 and 1 at once, which tests running side
/// by side do). Such a trial counts as neither near nor far, as if it had not been probed. The
/// far placement's own trials stay well under this bound (`results/2026-12-05-epyc-near`).
pub const DISTURBED: f64 = 20.0;

/// How a run's probes fell.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Trials that were probed.
    pub probed: usize,
    /// The round trip with the cores as near as this run saw them, in nanoseconds: the probes'
    /// [`NEAR_QUANTILE`], or a median of the `cache_line_round_trip_ns` floor at the start or the
    /// end more than [`FLOOR_BELOW`] times under it — so that a run that was far throughout,
    /// between floors that were near, is still seen far.
    pub near_ns: f64,
    /// The median of the probes, before and after every trial.
    pub median_ns: f64,
    /// Their 90th percentile.
    pub p90_ns: f64,
    /// Probed trials that ran far ([`FAR`]).
    pub far: usize,
    /// Probed trials none of whose probes counts, each disturbed ([`DISTURBED`]): neither near
    /// nor far.
    pub disturbed: usize,
    /// Probed trials whose probes before and after disagree: they moved while they ran, and
    /// are neither near nor far ([`Stood::Moved`]).
    pub moved: usize,
    /// Per pass, in pass order: (pass, probed trials, far trials).
    pub by_pass: Vec<(u32, usize, usize)>,
}

impl Placement {
    /// Whether one probe saw the cores far apart; `None` when there is none, or it was
    /// disturbed ([`DISTURBED`]).
    fn probe_far(&self, ns: Option<f64>) -> Option<bool> {
        ns.filter(|ns| *ns <= DISTURBED * self.near_ns)
            .map(|ns| ns > FAR * self.near_ns)
    }

    /// Where the cores stood while `rep` ran, from its probes before and after: far when one
    /// saw them far and neither near, near the other way round, moved when the two disagree
    /// (the hypervisor moved them during the trial: 80 ms of a stretch that lasts seconds, so
    /// one probe of each side catches nearly every move), unknown with no probe that counts.
    pub fn stood(&self, rep: &Repetition) -> Stood {
        let probes = [
            self.probe_far(rep.round_trip_ns),
            self.probe_far(rep.round_trip_after_ns),
        ];
        match (probes.contains(&Some(false)), probes.contains(&Some(true))) {
            (true, true) => Stood::Moved,
            (true, false) => Stood::Near,
            (false, true) => Stood::Far,
            (false, false) => Stood::Unknown,
        }
    }

    /// Whether `rep` ran with the cores far apart (`Some(true)`) or near (`Some(false)`);
    /// `None` when it moved between the two, was not probed, or its probes were disturbed.
    pub fn is_far(&self, rep: &Repetition) -> Option<bool> {
        match self.stood(rep) {
            Stood::Near => Some(false),
            Stood::Far => Some(true),
            Stood::Moved | Stood::Unknown => None,
        }
    }

    /// The share of the probed trials that ran far.
    pub fn far_share(&self) -> f64 {
        self.far as f64 / self.probed as f64
    }
}

/// Where the cores stood while one trial ran ([`Placement::stood`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stood {
    /// Near each other throughout, as its probes saw them.
    Near,
    /// Far apart throughout.
    Far,
    /// Near by one probe, far by the other: the placement changed during the trial, which then
    /// measured a mix of the two.
    Moved,
    /// Not probed, or every probe disturbed ([`DISTURBED`]).
    Unknown,
}

/// Which of a run's trials a reading takes: those run with the cores near (the default), those
/// run with them far, or all. The rows that share data between their clients change speed with
/// the placement, each by its own factor, so a comparison over a mix of the two measures the
/// mix: how much of a run was far varies from run to run, and one pass can run most of its
/// trials far while the others run none (`results/2026-12-05-epyc-placement`). Within one placement, the runs measure the same
/// machine. Near is the default because it is the cores' own arrangement (two neighbours
/// sharing a cache); far is the hypervisor's, and a run may have too few far trials to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The trials run with the cores near, and those not probed.
    #[default]
    Near,
    /// The trials run with the cores far apart.
    Far,
    /// Every trial.
    All,
}

impl View {
    /// Every view, in the order `--placement` lists them.
    pub const ALL: [View; 3] = [View::Near, View::Far, View::All];

    /// Its name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            View::Near => "near",
            View::Far => "far",
            View::All => "all",
        }
    }

    /// The view named `name`.
    pub fn parse(name: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether it keeps a trial that stood so: the near view keeps the near ones and those it
    /// cannot place (not probed, or disturbed), the far view the far ones; neither keeps one
    /// that moved while it ran.
    pub(super) fn keeps(self, stood: Stood) -> bool {
        match self {
            View::Near => matches!(stood, Stood::Near | Stood::Unknown),
            View::Far => stood == Stood::Far,
            View::All => true,
        }
    }
}

/// What a view ([`view`](super::view)) is of.
#[derive(Clone, Debug, PartialEq)]
pub struct Viewed {
    /// Which trials it keeps.
    pub view: View,
    /// The whole run's placement.
    pub placement: Placement,
    /// Trials it kept.
    pub kept: usize,
    /// Trials it set aside, having run in the other placement or moved between the two.
    pub set_aside: usize,
    /// The records it left without a trial, by cell: `workload / implementation / driver /
    /// clients`. They are absent from a far view; a near view that would leave any is the whole
    /// run instead (`view` [`View::All`]), and these say why.
    pub emptied: Vec<String>,
}

/// What a view left out of one record ([`crate::results::Record::set_aside`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// Its trials the view set aside.
    pub trials: usize,
    /// The passes its trials ran in, before the view: a record whose kept trials fall in fewer
    /// still takes passes as its unit ([`crate::results::Record::unit`]).
    pub passes: usize,
}
