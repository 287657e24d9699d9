//! The worker list both consoles show: search (name, the tail of the masked ID or phone),
//! filters (grid, platform, standing), sort, paging with a named page size, and the CSV export
//! of exactly the rows the filters select (every page of them).

use flexpension_ledger::Status;
use flexpension_rules::money::{yuan, yuan_grouped};
use flexpension_store::people::ConsoleWorker;
use flexpension_store::{Platform, PlatformId};
use flexpension_text::Lang;
use serde::Deserialize;
use std::collections::HashMap;

/// Page sizes offered; the first is the default.
pub const PAGE_SIZES: [usize; 3] = [50, 20, 100];

/// The list's query: `q`, `grid`, `platform`, `status`, `sort`, `page`, `size`, with the
/// month and language.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub lang: Option<String>,
    pub month: Option<String>,
    pub q: Option<String>,
    pub grid: Option<String>,
    pub platform: Option<String>,
    pub status: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub size: Option<String>,
}

/// A worker's standing as the lists name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Current,
    InArrears,
    Lapsed,
    Uninsured,
}

impl Standing {
    pub const ALL: [Standing; 4] = [Standing::Current, Standing::InArrears, Standing::Lapsed, Standing::Uninsured];
    pub fn code(self) -> &'static str {
        match self {
            Standing::Current => "current",
            Standing::InArrears => "in_arrears",
            Standing::Lapsed => "lapsed",
            Standing::Uninsured => "uninsured",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Standing::Current => "people.standing_current",
            Standing::InArrears => "people.standing_in_arrears",
            Standing::Lapsed => "people.standing_lapsed",
            Standing::Uninsured => "people.standing_uninsured",
        }
    }
    pub fn of(s: Option<&Status>) -> (Standing, i64) {
        match s {
            None | Some(Status::Uninsured) => (Standing::Uninsured, 0),
            Some(Status::Current) => (Standing::Current, 0),
            Some(Status::InArrears { arrears_fen, .. }) => (Standing::InArrears, *arrears_fen),
            Some(Status::Lapsed { arrears_fen, .. }) => (Standing::Lapsed, *arrears_fen),
        }
    }
}

/// How the list is sorted.
pub const SORTS: [(&str, &str); 4] = [
    ("name", "console.sort_name"),
    ("income", "console.sort_income"),
    ("arrears", "console.sort_arrears"),
    ("number", "console.sort_number"),
];

/// A row of the list.
#[derive(Debug, Clone)]
pub struct Row {
    pub w: ConsoleWorker,
    pub standing: Standing,
    pub arrears_fen: i64,
}

/// What the query asks for, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub q: String,
    pub grid: String,
    pub platform: Option<PlatformId>,
    pub status: Option<Standing>,
    pub sort: &'static str,
    pub page: usize,
    pub size: usize,
}

fn clean(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

impl Selection {
    /// Err names the field that cannot be read.
    pub fn read(q: &ListQuery) -> Result<Selection, &'static str> {
        let platform = match clean(&q.platform).as_str() {
            "" => None,
            p => Some(PlatformId(p.parse::<i64>().map_err(|_| "people.err_platform")?)),
        };
        let status = match clean(&q.status).as_str() {
            "" => None,
            s => Some(Standing::ALL.into_iter().find(|x| x.code() == s).ok_or("console.err_status")?),
        };
        let sort = match clean(&q.sort).as_str() {
            "" => SORTS[0].0,
            s => SORTS.iter().find(|x| x.0 == s).map(|x| x.0).ok_or("console.err_sort")?,
        };
        let page = match clean(&q.page).as_str() {
            "" => 1,
            p => p.parse::<usize>().ok().filter(|p| *p >= 1).ok_or("console.err_page")?,
        };
        let size = match clean(&q.size).as_str() {
            "" => PAGE_SIZES[0],
            s => s.parse::<usize>().ok().filter(|s| PAGE_SIZES.contains(s)).ok_or("console.err_page")?,
        };
        Ok(Selection { q: clean(&q.q), grid: clean(&q.grid), platform, status, sort, page, size })
    }

    /// The query string of this selection (without page) for links and the export.
    pub fn query(&self, month: &str, lang: Lang) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("month", month);
        for (k, v) in [("q", self.q.as_str()), ("grid", self.grid.as_str())] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let Some(p) = self.platform {
            s.append_pair("platform", &p.0.to_string());
        }
        if let Some(st) = self.status {
            s.append_pair("status", st.code());
        }
        s.append_pair("sort", self.sort);
        s.append_pair("size", &self.size.to_string());
        s.append_pair("lang", lang.code());
        s.finish()
    }

    fn matches(&self, r: &Row) -> bool {
        if !self.grid.is_empty() && r.w.grid != self.grid {
            return false;
        }
        if self.platform.is_some_and(|p| !r.w.platforms.contains(&p)) {
            return false;
        }
        if self.status.is_some_and(|s| s != r.standing) {
            return false;
        }
        matches_search(&self.q, &r.w)
    }
}

/// Whether a worker matches a search: a part of the name, or the last digits of the masked ID
/// or phone (only those digits are ever shown, so only they can be searched).
pub fn matches_search(q: &str, w: &ConsoleWorker) -> bool {
    let q = q.trim();
    if q.is_empty() {
        return true;
    }
    if w.name.contains(q) || w.name.to_lowercase().contains(&q.to_lowercase()) {
        return true;
    }
    let tail = q.to_ascii_uppercase();
    q.bytes().all(|b| b.is_ascii_alphanumeric()) && (w.id_masked.to_ascii_uppercase().ends_with(&tail) || w.phone_masked.ends_with(&tail))
}

/// Rows of the workers with their standings.
pub fn rows(workers: Vec<ConsoleWorker>, standings: &HashMap<i64, Status>) -> Vec<Row> {
    workers
        .into_iter()
        .map(|w| {
            let (standing, arrears_fen) = Standing::of(standings.get(&w.worker.0));
            Row { w, standing, arrears_fen }
        })
        .collect()
}

/// The rows the selection keeps, sorted.
pub fn select(mut rows: Vec<Row>, sel: &Selection) -> Vec<Row> {
    rows.retain(|r| sel.matches(r));
    match sel.sort {
        "income" => rows.sort_by(|a, b| b.w.income_fen.cmp(&a.w.income_fen).then(a.w.worker.cmp(&b.w.worker))),
        "arrears" => rows.sort_by(|a, b| b.arrears_fen.cmp(&a.arrears_fen).then(a.w.worker.cmp(&b.w.worker))),
        "number" => rows.sort_by_key(|r| r.w.worker),
        _ => rows.sort_by(|a, b| a.w.name.cmp(&b.w.name).then(a.w.worker.cmp(&b.w.worker))),
    }
    rows
}

/// A row as the page shows it.
pub struct Line {
    pub number: i64,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub grid_name: String,
    pub platforms: String,
    pub income: String,
    pub orders: String,
    pub standing: &'static str,
    pub standing_code: &'static str,
    pub arrears: String,
}

fn platform_names(ids: &[PlatformId], names: &HashMap<i64, String>) -> Vec<String> {
    ids.iter().map(|p| names.get(&p.0).cloned().unwrap_or_else(|| p.0.to_string())).collect()
}

pub fn line(r: &Row, names: &HashMap<i64, String>) -> Line {
    Line {
        number: r.w.worker.0,
        name: r.w.name.clone(),
        id_masked: r.w.id_masked.clone(),
        phone_masked: r.w.phone_masked.clone(),
        grid_name: r.w.grid_name.clone(),
        platforms: platform_names(&r.w.platforms, names).join("、"),
        income: yuan_grouped(r.w.income_fen),
        orders: flexpension_rules::money::group_digits(&r.w.orders.to_string()),
        standing: r.standing.key(),
        standing_code: r.standing.code(),
        arrears: yuan_grouped(r.arrears_fen),
    }
}

/// Platform names by id.
pub fn names(platforms: &[Platform]) -> HashMap<i64, String> {
    platforms.iter().map(|p| (p.id.0, p.name.clone())).collect()
}

/// One CSV field, quoted when it must be; a leading `=+-@` is neutralised (spreadsheets run it).
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The CSV of the rows (every row the selection keeps), headed in `lang`; amounts in yuan
/// without separators so spreadsheets read them as numbers.
pub fn csv(lang: Lang, month: &str, rows: &[Row], names: &HashMap<i64, String>) -> String {
    let head = [
        "csv_number",
        "csv_name",
        "csv_id",
        "csv_phone",
        "csv_grid",
        "csv_platforms",
        "csv_month",
        "csv_income",
        "csv_settlements",
        "csv_standing",
        "csv_arrears",
    ];
    let mut out = head.iter().map(|k| field(lang.t(&format!("console.{k}")))).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells = [
            r.w.worker.0.to_string(),
            r.w.name.clone(),
            r.w.id_masked.clone(),
            r.w.phone_masked.clone(),
            r.w.grid_name.clone(),
            platform_names(&r.w.platforms, names).join(" "),
            month.to_string(),
            yuan(r.w.income_fen),
            r.w.orders.to_string(),
            lang.t(r.standing.key()).to_string(),
            yuan(r.arrears_fen),
        ];
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// The pages: (number of pages, the page shown clamped to them).
pub fn pages(total: usize, sel: &Selection) -> (usize, usize) {
    let n = total.div_ceil(sel.size).max(1);
    (n, sel.page.min(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexpension_store::WorkerId;

    fn w(id: i64, name: &str, idm: &str, phone: &str, grid: &str, income: i64) -> ConsoleWorker {
        ConsoleWorker {
            worker: WorkerId(id),
            name: name.into(),
            id_masked: idm.into(),
            phone_masked: phone.into(),
            grid: grid.into(),
            grid_name: grid.into(),
            income_fen: income,
            orders: 1,
            platforms: vec![PlatformId(id % 2 + 1)],
        }
    }

    #[test]
    fn searches_filters_sorts_and_pages() {
        let ws = vec![
            w(1, "张三", "3301**********0018", "138****0001", "g1", 300),
            w(2, "李四", "3301**********002X", "138****0002", "g2", 500),
            w(3, "张小三", "3301**********0034", "139****7777", "g1", 100),
        ];
        let mut st = HashMap::new();
        st.insert(2, Status::Lapsed { months: 3, arrears_fen: 900, since: flexpension_rules::YearMonth::new(2025, 9).expect("month") });
        let all = rows(ws, &st);
        let q = |s: &str| Selection::read(&serde_urlencoded::from_str::<ListQuery>(s).expect("query")).expect("selection");
        let ids = |sel: &Selection| select(all.clone(), sel).iter().map(|r| r.w.worker.0).collect::<Vec<_>>();
        assert_eq!(ids(&q("q=三")), vec![1, 3], "by name, sorted by name");
        assert_eq!(ids(&q("q=002x")), vec![2], "the ID's tail, any case");
        assert_eq!(ids(&q("q=7777")), vec![3], "the phone's tail");
        assert_eq!(ids(&q("grid=g1&sort=income")), vec![1, 3]);
        assert_eq!(ids(&q("status=lapsed")), vec![2]);
        assert_eq!(ids(&q("status=uninsured&sort=number")), vec![1, 3]);
        assert_eq!(ids(&q("platform=1&sort=number")), vec![2]);
        assert_eq!(ids(&q("sort=arrears")), vec![2, 1, 3]);
        assert!(Selection::read(&serde_urlencoded::from_str::<ListQuery>("size=7").expect("query")).is_err());
        assert!(Selection::read(&serde_urlencoded::from_str::<ListQuery>("status=gone").expect("query")).is_err());
        let sel = q("size=20&page=9");
        assert_eq!(pages(45, &sel), (3, 3));
        let csv = csv(Lang::En, "2025-09", &select(all.clone(), &q("q=三")), &HashMap::new());
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.contains("3301**********0034") && csv.contains(",1.00,"), "{csv}");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
