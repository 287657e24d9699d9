//! The demo's cast: platforms with valid credit codes, grids, and workers from the simulated
//! population with valid resident IDs, names, phones and pension enrolment. Every draw is
//! `flexpension_testkit::unit(seed, key, purpose)`, so the same seed gives the same demo.

use flexpension_sim::{PopParams, Population};
use flexpension_testkit::{WORKERS_CSV_HEADER, credit_code, phone, sequence, try_resident_id, unit};
use std::collections::HashSet;

/// Grid cells (网格) across Zhejiang cities: (code, name).
pub const GRIDS: [(&str, &str); 12] = [
    ("hz-xh-001", "杭州西湖区文新网格"),
    ("hz-xh-002", "杭州西湖区翠苑网格"),
    ("hz-sc-001", "杭州上城区湖滨网格"),
    ("hz-bj-001", "杭州滨江区长河网格"),
    ("hz-yh-001", "杭州余杭区五常网格"),
    ("hz-gs-001", "杭州拱墅区米市巷网格"),
    ("nb-hs-001", "宁波海曙区鼓楼网格"),
    ("nb-yz-001", "宁波鄞州区中河网格"),
    ("wz-lc-001", "温州鹿城区五马网格"),
    ("jx-nh-001", "嘉兴南湖区新兴网格"),
    ("sx-yc-001", "绍兴越城区塔山网格"),
    ("jh-yw-001", "金华义乌稠城网格"),
];

/// Resident-ID area codes matching the grids' cities (first six digits).
const AREAS: [&str; 12] =
    ["330106", "330106", "330102", "330108", "330110", "330105", "330203", "330212", "330302", "330402", "330602", "330782"];

const SURNAMES: &[char] =
    &['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '朱', '胡', '郭', '何', '高', '林', '罗', '郑'];
const GIVEN: &[char] = &[
    '伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '杰', '涛', '明', '超', '华', '平', '刚', '辉', '鹏', '斌', '建', '国',
    '海', '俊',
];

/// A platform of the demo: the simulation's name (how worker months refer to it).
pub struct DemoPlatform {
    pub sim_name: String,
    pub name: String,
    pub uscc: String,
}

/// The platforms of the jobs with an injury order type (the pilot covers only those three).
pub fn platforms(pp: &PopParams) -> Vec<DemoPlatform> {
    let mut out = Vec::new();
    for job in pp.jobs.iter().filter(|j| j.order_type.is_some()) {
        for name in &job.platform_names {
            let n = out.len() as u32 + 1;
            out.push(DemoPlatform { sim_name: name.clone(), name: format!("{name}（演示）"), uscc: credit_code(n) });
        }
    }
    out
}

/// A demo worker: an index into the population and what the registry needs.
pub struct DemoWorker {
    pub sim_index: usize,
    pub id_number: String,
    pub grid: &'static str,
    /// First month in the employee pension, if enrolled.
    pub pension_from: Option<flexpension_rules::YearMonth>,
}

/// Pick `n` workers whose job has an order type, with IDs, grids and enrolment. About 28% are
/// enrolled (most from the first month, some joining later): coverage of platform workers is
/// low, and each enrolled worker's payments cost the setup time.
pub fn workers(pop: &Population, pp: &PopParams, n: usize, seed: u64, first: flexpension_rules::YearMonth) -> Vec<DemoWorker> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for (i, w) in pop.workers.iter().enumerate() {
        if out.len() == n {
            break;
        }
        let has_type = pop.jobs.get(usize::from(w.job)).and_then(|c| pp.job_index(c)).is_some_and(|j| pp.jobs[j].order_type.is_some());
        if !has_type {
            continue;
        }
        let key = i as u64;
        let g = ((unit(seed, key, 1) * GRIDS.len() as f64) as usize).min(GRIDS.len() - 1);
        // Age at the first month; born on a day 1-28 so every date is real.
        let age = i64::from(w.age_months.unwrap_or(35 * 12));
        let born = first.index() - age;
        let (y, m) = (born.div_euclid(12), born.rem_euclid(12) + 1);
        let day = 1 + (unit(seed, key, 2) * 28.0) as u32;
        let birth = format!("{y:04}{m:02}{day:02}");
        let male = w.male.unwrap_or(true);
        let mut seq = sequence((unit(seed, key, 3) * 499.0) as u32, male);
        let id = loop {
            let Some(id) = try_resident_id(AREAS[g], &birth, seq) else { break None };
            if seen.insert(id.clone()) {
                break Some(id);
            }
            seq = (seq + 2) % 1000;
        };
        let Some(id_number) = id else { continue };
        let r = unit(seed, key, 4);
        let pension_from = if r < 0.22 {
            Some(first)
        } else if r < 0.28 {
            first.add_months(1 + (unit(seed, key, 5) * 6.0) as i64)
        } else {
            None
        };
        out.push(DemoWorker { sim_index: i, id_number, grid: GRIDS[g].0, pension_from });
    }
    out
}

/// The workers' CSV for `Store::import_workers`.
pub fn workers_csv(ws: &[DemoWorker], seed: u64) -> String {
    let mut s = String::from(WORKERS_CSV_HEADER);
    for (k, w) in ws.iter().enumerate() {
        let key = w.sim_index as u64;
        let pick = |list: &[char], p: u64| list[((unit(seed, key, p) * list.len() as f64) as usize).min(list.len() - 1)];
        let name: String = if unit(seed, key, 6) < 0.5 {
            [pick(SURNAMES, 7), pick(GIVEN, 8)].iter().collect()
        } else {
            [pick(SURNAMES, 7), pick(GIVEN, 8), pick(GIVEN, 9)].iter().collect()
        };
        let from = w.pension_from.map(|m| m.to_string()).unwrap_or_default();
        s.push_str(&format!("{},{name},{},zj,{},{from}\n", w.id_number, phone(k as u32), w.grid));
    }
    s
}
