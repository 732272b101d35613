//! What makes a workload valid: every rule a file or a built-in workload must meet, each
//! refusal naming the field and the problem.

use super::schema::*;

impl Workload {
    /// Checks that the workload makes sense: known service and operations, mixes adding up to
    /// 100 %, at least one key, a Zipf skew in (0, 1), TTL bounds in order.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        let err = |why: String| Err(WorkloadError(format!("workload {}: {why}", self.name)));
        let Some(service) = statebench_core::service(&self.service) else {
            return err(format!("unknown service {:?}", self.service));
        };
        if self.groups.is_empty() || self.groups.iter().any(|g| g.share == 0) {
            return err("every client group needs a share of at least 1".into());
        }
        for group in &self.groups {
            let total: u32 = group.mix.iter().map(|m| m.percent).sum();
            if total != 100 {
                return err(format!(
                    "the {} mix adds up to {total} %, not 100 %",
                    group.role
                ));
            }
            if let Some(m) = group.mix.iter().find(|m| service.kind(&m.op).is_none()) {
                let kinds: Vec<_> = service.kinds.iter().map(|k| k.name).collect();
                return err(format!(
                    "{} has no operation {:?} (it has {})",
                    self.service,
                    m.op,
                    kinds.join(", ")
                ));
            }
        }
        if self.keys == 0 {
            return err("needs at least one key".into());
        }
        if let KeyDistribution::Zipf { theta } = self.distribution
            && !(theta > 0.0 && theta < 1.0)
        {
            return err(format!("zipf theta must be in (0, 1), not {theta}"));
        }
        if self.ttl_ms.0 == 0 || self.ttl_ms.0 > self.ttl_ms.1 {
            return err(format!(
                "TTL bounds {:?} ms must be positive and in order",
                self.ttl_ms
            ));
        }
        if self.session_lifetime_ms == 0 || self.cleanup_every_ms == 0 || self.duration_ms == 0 {
            return err("lifetimes, cleanup interval and duration must be positive".into());
        }
        if self.work_ns > crate::work::MAX_WORK_NS {
            return err(format!(
                "work_ns {} is more than the most a critical section may cost, 1 s ({} ns)",
                self.work_ns,
                crate::work::MAX_WORK_NS
            ));
        }
        if self.rate_per_s > MAX_RATE_PER_S {
            return err(format!(
                "rate_per_s {} is more than the most a run may offer, {MAX_RATE_PER_S} \
                 operations a second",
                self.rate_per_s
            ));
        }
        if self.rate_per_s > 0 && self.think_us > 0 {
            return err(format!(
                "think_us ({} µs) and rate_per_s ({} a second) both pace the clients; give one \
                 (a think time paces a closed loop, a rate an open one)",
                self.think_us, self.rate_per_s
            ));
        }
        Ok(())
    }
}
