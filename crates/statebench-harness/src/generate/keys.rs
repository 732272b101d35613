//! Keys drawn uniformly or by YCSB's Zipfian.

use statebench_core::rng::Rng;

use crate::workload::KeyDistribution;

/// Draws keys in `0..n`.
#[derive(Clone, Debug)]
pub enum KeyGen {
    /// Uniform over `0..n`.
    Uniform(u64),
    /// YCSB's Zipfian generator (Gray et al., "Quickly generating billion-record synthetic
    /// databases"): rank 0 is the hottest key.
    Zipf {
        /// Key count.
        n: u64,
        /// Skew.
        theta: f64,
        /// Precomputed constants.
        alpha: f64,
        /// 1 - (2/n)^(1-theta) over 1 - zeta(2)/zeta(n).
        eta: f64,
        /// zeta(n, theta).
        zeta_n: f64,
    },
}

impl KeyGen {
    /// A key generator for `keys` keys drawn by `distribution`.
    pub fn new(keys: u64, distribution: KeyDistribution) -> KeyGen {
        match distribution {
            KeyDistribution::Uniform => KeyGen::Uniform(keys),
            KeyDistribution::Zipf { theta } => {
                let zeta = |n: u64| (1..=n).map(|i| 1.0 / (i as f64).powf(theta)).sum::<f64>();
                let zeta_n = zeta(keys);
                let zeta_2 = zeta(2.min(keys));
                let eta = (1.0 - (2.0 / keys as f64).powf(1.0 - theta)) / (1.0 - zeta_2 / zeta_n);
                KeyGen::Zipf {
                    n: keys,
                    theta,
                    alpha: 1.0 / (1.0 - theta),
                    eta,
                    zeta_n,
                }
            }
        }
    }

    /// The next key.
    pub fn key(&self, rng: &mut Rng) -> u64 {
        match *self {
            KeyGen::Uniform(n) => rng.below(n),
            KeyGen::Zipf {
                n,
                theta,
                alpha,
                eta,
                zeta_n,
            } => {
                let u = rng.unit();
                let uz = u * zeta_n;
                if uz < 1.0 {
                    0
                } else if uz < 1.0 + 0.5f64.powf(theta) {
                    1.min(n - 1)
                } else {
                    let rank = (n as f64 * (eta * u - eta + 1.0).powf(alpha)) as u64;
                    rank.min(n - 1)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_makes_a_few_keys_hot_and_stays_in_range() {
        let zipf = KeyGen::new(10_000, KeyDistribution::Zipf { theta: 0.99 });
        let mut rng = Rng::new(3);
        let draws: Vec<u64> = (0..100_000).map(|_| zipf.key(&mut rng)).collect();
        assert!(draws.iter().all(|k| *k < 10_000));
        let top10 = draws.iter().filter(|k| **k < 10).count() as f64 / draws.len() as f64;
        // Under zipf(0.99) over 10 000 keys the 10 hottest take about 30 % of the draws;
        // uniform would give 0.1 %.
        assert!((0.2..0.45).contains(&top10), "top-10 share {top10:.3}");
        let uniform = KeyGen::new(10_000, KeyDistribution::Uniform);
        let top10u = (0..100_000).filter(|_| uniform.key(&mut rng) < 10).count();
        assert!(top10u < 500);
    }
}
