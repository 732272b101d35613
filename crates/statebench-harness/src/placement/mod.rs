//! Where a virtual machine's two cores stood from each other through a run, from the probe the
//! runner takes before and after every trial ([`crate::floors::probe_round_trip`]).
//!
//! Why: the floors are measured at a run's start and end only, and a virtual machine's cores
//! can move between them. On a 2-core AMD EPYC VM the cross-core cache-line round trip has
//! jumped several-fold for seconds at a time — as when the hypervisor puts the two
//! vCPUs on distant parts of the chip — while the start and end floors could both see the near
//! placement. The rows whose clients share cache lines changed speed with it, each by its own
//! factor, so a comparison's ratio depends on the placement, and a run's answer on how much of
//! it ran far (`results/2026-12-05-epyc-placement`, docs/METHODOLOGY.md "Where the cores stood").
//! The report says how much did; [`Placement::stood`] tells each repetition's, from a probe
//! before the trial and one after it.

pub(crate) mod record;

pub use record::{
    DISTURBED, FAR, FLOOR_BELOW, NEAR_QUANTILE, Placement, SetAside, Stood, View, Viewed,
};

use crate::driver::Repetition;
use crate::results::Results;

impl Placement {
    /// The placement of `results`' trials — of the whole run, for a view ([`view`]); `None` when
    /// none was probed (one core, or a run made before 2026-12-05).
    pub fn of(results: &Results) -> Option<Placement> {
        // A view keeps the trials of one placement; the run's is the one it was made from.
        if let Some(viewed) = &results.viewed {
            return Some(viewed.placement.clone());
        }
        let reps: Vec<&Repetition> = results
            .records
            .iter()
            .flat_map(|r| &r.repetitions)
            .filter(|rep| {
                [rep.round_trip_ns, rep.round_trip_after_ns]
                    .iter()
                    .any(|ns| ns.is_some_and(|ns| ns > 0.0))
            })
            .collect();
        let mut probes: Vec<f64> = reps
            .iter()
            .flat_map(|rep| [rep.round_trip_ns, rep.round_trip_after_ns])
            .flatten()
            .filter(|ns| *ns > 0.0)
            .collect();
        if probes.is_empty() {
            return None;
        }
        probes.sort_by(f64::total_cmp);
        let at = |q: f64| probes[((probes.len() - 1) as f64 * q).round() as usize];
        let floor_medians = std::iter::once(&results.floors)
            .chain(results.floors_end.as_ref())
            .filter_map(|f| f.cache_line_round_trip_ns.as_ref())
            .map(|f| f.median);
        // A floor lowers the level only when the probes sit a far placement's distance above
        // it (a run far throughout, between near floors), not when it caught the rarer, nearer
        // placement below the common one (about half of it).
        let quarter = at(NEAR_QUANTILE);
        let near_ns = floor_medians
            .filter(|f| quarter > FLOOR_BELOW * f)
            .fold(quarter, f64::min);
        let mut placement = Placement {
            probed: reps.len(),
            near_ns,
            median_ns: crate::results::Spread::of(&probes).median,
            p90_ns: at(0.9),
            far: 0,
            disturbed: 0,
            moved: 0,
            by_pass: Vec::new(),
        };
        for rep in reps {
            let stood = placement.stood(rep);
            let far = stood == Stood::Far;
            placement.far += usize::from(far);
            placement.disturbed += usize::from(stood == Stood::Unknown);
            placement.moved += usize::from(stood == Stood::Moved);
            match placement.by_pass.iter_mut().find(|(p, ..)| *p == rep.pass) {
                Some((_, n, f)) => {
                    *n += 1;
                    *f += usize::from(far);
                }
                None => placement.by_pass.push((rep.pass, 1, usize::from(far))),
            }
        }
        placement.by_pass.sort_by_key(|(p, ..)| *p);
        Some(placement)
    }
}

/// Whether `results` can be read in `view`: a view of far trials needs a run that was probed
/// and ran some trials far (else it would read every trial, or none, without a word). The
/// near view and every trial can always be read: a run not probed is read whole.
pub fn check(results: &Results, view: View) -> Result<(), String> {
    if view != View::Far {
        return Ok(());
    }
    match Placement::of(results) {
        None => Err(
            "its trials were not probed for the cores' placement (one core, or a run \
                     made before 2026-12-05), so none can be read as far"
                .into(),
        ),
        Some(p) if p.far == 0 => Err(format!(
            "none of its {} probed trials ran with the cores far apart",
            p.probed
        )),
        Some(_) => Ok(()),
    }
}

/// `results` reduced to the trials `view` keeps: each record keeps its kept repetitions (its
/// summary made again from them), a record left with none is dropped — except in the near
/// view, which then reads the run whole, naming those records in [`Viewed::emptied`] under
/// [`View::All`] — and the view records what it is of ([`Results::viewed`], which [`Placement::of`] then answers from). A run whose trials
/// were not probed, a view of every trial, and a view already made come back as they are.
pub fn view(results: &Results, view: View) -> Results {
    let mut out = results.clone();
    if view == View::All || results.viewed.is_some() {
        return out;
    }
    let Some(placement) = Placement::of(results) else {
        return out;
    };
    let (mut kept, mut set_aside, mut emptied) = (0, 0, Vec::new());
    for record in &mut out.records {
        let passes = record.passes();
        let before = record.repetitions.len();
        record
            .repetitions
            .retain(|rep| view.keeps(placement.stood(rep)));
        let now = record.repetitions.len();
        kept += now;
        set_aside += before - now;
        record.set_aside = Some(SetAside {
            trials: before - now,
            passes,
        });
        if now == 0 {
            emptied.push(format!(
                "{} / {} / {} / {}",
                record.workload,
                record.implementation,
                record.driver.name(),
                record.clients
            ));
        } else if now < before {
            record.summary = crate::results::Summary::of(&record.repetitions);
        }
    }
    if view == View::Near && !emptied.is_empty() {
        // A run that held some cell far throughout (a short one inside a far stretch) cannot
        // be read near without losing the cell: it is read whole, and says why.
        let mut whole = results.clone();
        whole.viewed = Some(Viewed {
            view: View::All,
            placement,
            kept: kept + set_aside,
            set_aside: 0,
            emptied,
        });
        return whole;
    }
    out.records.retain(|r| !r.repetitions.is_empty());
    out.viewed = Some(Viewed {
        view,
        placement,
        kept,
        set_aside,
        emptied,
    });
    out
}

/// A stretch of time the cores stayed near or far, in a series of probes ([`stretches`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stretch {
    /// Whether the cores stood far apart.
    pub far: bool,
    /// When its first probe was taken, in milliseconds from the first probe.
    pub from_ms: u64,
    /// How long it lasted: to the first probe of the next stretch, or to the last probe.
    pub ms: u64,
    /// Probes in it.
    pub probes: usize,
}

/// The near round trip of a series of probes taken for watching (`statebench placement`): its
/// [`NEAR_QUANTILE`]. `None` without probes.
pub fn near_of(probes: &[(u64, f64)]) -> Option<f64> {
    let mut ns: Vec<f64> = probes.iter().map(|&(_, ns)| ns).collect();
    ns.sort_by(f64::total_cmp);
    (!ns.is_empty()).then(|| ns[((ns.len() - 1) as f64 * NEAR_QUANTILE).round() as usize])
}

/// `probes` (milliseconds from the first, round trip in nanoseconds; in time order) cut into
/// the stretches the cores stayed near or far, a probe being far beyond [`FAR`] × `near_ns`.
pub fn stretches(probes: &[(u64, f64)], near_ns: f64) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    // Disturbed probes before the first that counts: they open its stretch.
    let mut leading: Option<(u64, usize)> = None;
    for &(at, ns) in probes {
        // A disturbed probe ([`DISTURBED`]) says nothing of the placement: it stays in the
        // stretch it fell in.
        let disturbed = ns > DISTURBED * near_ns;
        let far = match out.last() {
            Some(last) if disturbed => last.far,
            None if disturbed => {
                let (from, n) = leading.unwrap_or((at, 0));
                leading = Some((from, n + 1));
                continue;
            }
            _ => ns > FAR * near_ns,
        };
        if out.is_empty()
            && let Some((from, n)) = leading.take()
        {
            out.push(Stretch {
                far,
                from_ms: from,
                ms: at - from,
                probes: n + 1,
            });
            continue;
        }
        match out.last_mut() {
            Some(last) if last.far == far => {
                last.ms = at - last.from_ms;
                last.probes += 1;
            }
            _ => {
                if let Some(last) = out.last_mut() {
                    last.ms = at - last.from_ms;
                }
                out.push(Stretch {
                    far,
                    from_ms: at,
                    ms: 0,
                    probes: 1,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Driver;
    use crate::fixture;
    use crate::floors::Floor;
    use statebench_core::Family;

    fn results(probes: &[(u32, Option<f64>)], floor_ns: f64) -> Results {
        let reps = probes
            .iter()
            .map(|&(pass, ns)| Repetition {
                pass,
                round_trip_ns: ns,
                ..fixture::served("counter", 8, 1e6)
            })
            .collect();
        let record = fixture::record(
            "counter",
            "atomic",
            Family::Concurrent,
            Driver::Threads,
            8,
            reps,
        );
        let mut results = fixture::results(&["counter"], vec![record]);
        results.floors.cache_line_round_trip_ns = Some(Floor::of(vec![floor_ns; 5]));
        results.floors_end = None;
        results
    }

    #[test]
    fn trials_are_far_beyond_twice_the_near_round_trip_pass_by_pass() {
        let probes = [
            (0, Some(70.0)),
            (0, Some(75.0)),
            (0, Some(450.0)),
            (1, Some(460.0)),
            (1, Some(139.0)),
            (1, None),
        ];
        let p = Placement::of(&results(&probes, 72.0)).expect("probed");
        assert_eq!(p.probed, 5);
        // The quarter of five probes is the second-fastest, 75 ns; the floor's 72 is no far
        // placement's distance below it.
        assert_eq!(p.near_ns, 75.0);
        assert_eq!(p.far, 2);
        assert_eq!(p.by_pass, vec![(0, 3, 1), (1, 2, 1)]);
        assert!((p.far_share() - 0.4).abs() < 1e-12);
        assert_eq!(p.median_ns, 139.0);
        assert_eq!(p.disturbed, 0);
        // A probe of a time slice, 20× and more the near round trip, is neither.
        let mut disturbed = probes.to_vec();
        disturbed.push((1, Some(2_000.0)));
        let p = Placement::of(&results(&disturbed, 72.0)).expect("probed");
        assert_eq!((p.probed, p.far, p.disturbed), (6, 2, 1));
        let whole = results(&disturbed, 72.0);
        assert_eq!(view(&whole, View::Near).records[0].repetitions.len(), 5);
        assert_eq!(view(&whole, View::Far).records[0].repetitions.len(), 2);
    }

    #[test]
    fn a_trial_whose_probes_disagree_moved_and_neither_placement_keeps_it() {
        // (before, after): near both, far both, near then far, far then near, near then a
        // time slice (disturbed: near by its one probe that counts), far then none.
        let pairs = [
            (70.0, Some(72.0)),
            (450.0, Some(440.0)),
            (71.0, Some(430.0)),
            (460.0, Some(74.0)),
            (73.0, Some(5_000.0)),
            (455.0, None),
        ];
        let mut run = results(&[(0, None); 6], 72.0);
        for (rep, (before, after)) in run.records[0].repetitions.iter_mut().zip(pairs) {
            rep.round_trip_ns = Some(before);
            rep.round_trip_after_ns = after;
        }
        let p = Placement::of(&run).expect("probed");
        let stood: Vec<Stood> = run.records[0]
            .repetitions
            .iter()
            .map(|rep| p.stood(rep))
            .collect();
        use Stood::{Far, Moved, Near};
        assert_eq!(stood, [Near, Far, Moved, Moved, Near, Far]);
        assert_eq!((p.probed, p.far, p.moved, p.disturbed), (6, 2, 2, 0));
        assert_eq!(p.is_far(&run.records[0].repetitions[2]), None);
        let near = view(&run, View::Near);
        assert_eq!(near.records[0].repetitions.len(), 2);
        assert_eq!(near.viewed.expect("a view").set_aside, 4);
        assert_eq!(view(&run, View::Far).records[0].repetitions.len(), 2);
        assert_eq!(view(&run, View::All).records[0].repetitions.len(), 6);
    }

    #[test]
    fn runs_pooled_after_a_view_keep_what_each_set_aside() {
        let probes = [(0, Some(70.0)), (0, Some(450.0)), (1, Some(72.0))];
        let near = view(&results(&probes, 72.0), View::Near);
        // A run read whole beside it set nothing aside, and ran in its own two passes.
        let mixed = Results::pool(vec![near.clone(), results(&probes, 72.0)]).expect("one build");
        assert_eq!(
            mixed.records[0].set_aside,
            Some(SetAside {
                trials: 1,
                passes: 4
            })
        );
        let pooled = Results::pool(vec![near.clone(), near]).expect("one build");
        let v = pooled.viewed.expect("a view");
        assert_eq!((v.kept, v.set_aside), (4, 2));
        assert_eq!(
            pooled.records[0].set_aside,
            Some(SetAside {
                trials: 2,
                passes: 4
            })
        );
    }

    #[test]
    fn a_run_far_throughout_is_seen_far_against_its_near_floor() {
        let probes = [(0, Some(440.0)), (0, Some(450.0)), (0, Some(470.0))];
        let p = Placement::of(&results(&probes, 74.0)).expect("probed");
        assert_eq!(p.near_ns, 74.0);
        assert_eq!(p.far, 3);
        // Without a floor to say otherwise, the run's own probes are its near placement.
        let mut alone = results(&probes, 74.0);
        alone.floors.cache_line_round_trip_ns = None;
        assert_eq!(Placement::of(&alone).expect("probed").far, 0);
    }

    #[test]
    fn a_view_keeps_the_trials_of_one_placement_and_says_what_it_set_aside() {
        use crate::passes::Unit;
        let probes = [
            (0, Some(70.0)),
            (0, Some(450.0)),
            (1, Some(72.0)),
            (1, Some(75.0)),
            (2, Some(460.0)),
            (2, None),
        ];
        let mut whole = results(&probes, 72.0);
        // Far trials at a third of the near figure; and a second record, far throughout.
        for rep in &mut whole.records[0].repetitions {
            if rep.round_trip_ns.is_some_and(|ns| ns > 400.0) {
                rep.ops_per_sec /= 3.0;
            }
        }
        let mut far_only = whole.records[0].clone();
        far_only.implementation = "mutex_std".into();
        far_only
            .repetitions
            .retain(|rep| rep.round_trip_ns.is_some_and(|ns| ns > 400.0));
        whole.records.push(far_only);
        // A record far throughout cannot be read near: the run is read whole, and says why.
        let read = view(&whole, View::Near);
        let v = read.viewed.clone().expect("a reading");
        assert_eq!((v.view, v.kept, v.set_aside), (View::All, 8, 0));
        assert_eq!(v.emptied, ["counter / mutex_std / threads / 8"]);
        assert_eq!(read.records, whole.records);
        whole.records.pop();
        let near = view(&whole, View::Near);
        let v = near.viewed.clone().expect("a view");
        assert_eq!((v.view, v.kept, v.set_aside), (View::Near, 4, 2));
        assert!(v.emptied.is_empty());
        // The view answers for the whole run's placement, not for what it kept.
        assert_eq!(
            Placement::of(&near),
            Some(Placement::of(&whole).expect("probed"))
        );
        assert_eq!(near.records.len(), 1);
        let r = &near.records[0];
        // The near trials and the one not probed; the summary made again from them.
        assert_eq!(r.repetitions.len(), 4);
        assert_eq!(r.summary.ops_per_sec.min, 1e6);
        assert_eq!(
            r.set_aside,
            Some(SetAside {
                trials: 2,
                passes: 3
            })
        );
        assert_eq!(r.unit(), Unit::Passes(3));
        let far = view(&whole, View::Far);
        assert_eq!(far.records.len(), 1);
        let f = &far.records[0];
        assert_eq!(f.repetitions.len(), 2);
        // Two passes of the three: still passes, one sample each.
        assert_eq!(f.unit(), Unit::Passes(2));
        assert!((f.headline() - 1e6 / 3.0).abs() < 1e-3);
        // A record whose kept trials fall in one pass of a run of several has one sample, not
        // that pass's repetitions.
        let mut one_pass = whole.clone();
        one_pass.records[0].repetitions[4].round_trip_ns = Some(70.0);
        let lone = view(&one_pass, View::Far);
        assert_eq!(lone.records[0].unit(), Unit::Passes(1));
        assert_eq!(lone.records[0].samples().len(), 1);
        // Every trial, a run not probed, and a view again: as they are.
        assert_eq!(view(&whole, View::All), whole);
        assert_eq!(view(&near, View::Far), near);
        let mut unprobed = whole.clone();
        for r in &mut unprobed.records {
            for rep in &mut r.repetitions {
                rep.round_trip_ns = None;
            }
        }
        assert_eq!(view(&unprobed, View::Near), unprobed);
        assert_eq!(View::parse("far"), Some(View::Far));
        assert_eq!(View::parse("nearby"), None);
    }

    #[test]
    fn a_floor_in_the_rarer_nearer_placement_does_not_make_the_common_one_far() {
        let probes = [
            (0, Some(66.0)),
            (0, Some(70.0)),
            (1, Some(68.0)),
            (1, Some(450.0)),
        ];
        // The start floor caught the ~30 ns placement: ignored, the quarter stands.
        let p = Placement::of(&results(&probes, 31.0)).expect("probed");
        assert_eq!((p.near_ns, p.far), (68.0, 1));
        assert!(check(&results(&probes, 31.0), View::Far).is_ok());
        // Every trial near: nothing to read far, said so.
        let near = [(0, Some(66.0)), (1, Some(70.0))];
        let err = check(&results(&near, 68.0), View::Far).expect_err("none far");
        assert!(err.contains("none of its 2 probed trials"), "{err}");
        let unprobed = [(0, None), (1, None)];
        assert!(check(&results(&unprobed, 68.0), View::Far).is_err());
        assert!(check(&results(&unprobed, 68.0), View::Near).is_ok());
    }

    #[test]
    fn a_run_without_probes_has_no_placement() {
        assert_eq!(Placement::of(&results(&[(0, None), (1, None)], 74.0)), None);
    }

    #[test]
    fn a_series_of_probes_is_cut_into_the_stretches_the_cores_stayed_near_or_far() {
        let probes = [
            (0, 70.0),
            (250, 72.0),
            (500, 460.0),
            (750, 450.0),
            (1000, 470.0),
            (1250, 75.0),
        ];
        let near = near_of(&probes).expect("probes");
        assert_eq!(near, 72.0);
        let s = stretches(&probes, near);
        let cut: Vec<(bool, u64, u64, usize)> = s
            .iter()
            .map(|s| (s.far, s.from_ms, s.ms, s.probes))
            .collect();
        assert_eq!(
            cut,
            [(false, 0, 500, 2), (true, 500, 750, 3), (false, 1250, 0, 1)]
        );
        // A time slice inside a near stretch (20× and more the near round trip) does not cut it;
        // one before the first probe that counts opens that probe's stretch.
        let sliced = [(0, 70.0), (250, 4_000.0), (500, 72.0)];
        let s = stretches(&sliced, 72.0);
        assert_eq!((s.len(), s[0].far, s[0].probes), (1, false, 3));
        let opened = [(0, 4_000.0), (250, 450.0), (500, 460.0)];
        let s = stretches(&opened, 72.0);
        assert_eq!(
            s.iter()
                .map(|s| (s.far, s.from_ms, s.ms, s.probes))
                .collect::<Vec<_>>(),
            [(true, 0, 500, 3)]
        );
        // Only disturbed probes: no stretch can be told.
        assert!(stretches(&[(0, 4_000.0)], 72.0).is_empty());
        assert_eq!(near_of(&[]), None);
        assert!(stretches(&[], 70.0).is_empty());
    }
}
