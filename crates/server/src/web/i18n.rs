//! The one message catalogue of the web page: `i18n/ui.toml`, compiled in.

use flexpension_rules::{Lang, Text};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub const SOURCE: &str = include_str!("../../i18n/ui.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
}

/// Parsed once. A broken catalogue shows keys instead of words (and fails the tests), never panics.
pub static CATALOGUE: LazyLock<BTreeMap<String, Entry>> = LazyLock::new(|| toml::from_str(SOURCE).unwrap_or_default());

/// The page's language, with the lookups templates need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    pub lang: Lang,
}

impl Ui {
    pub fn new(lang: Lang) -> Ui {
        Ui { lang }
    }

    pub fn parse(code: Option<&str>) -> Ui {
        Ui::new(if code.is_some_and(|c| c.trim().eq_ignore_ascii_case("en")) { Lang::En } else { Lang::Zh })
    }

    /// The text of `key`; the key itself when missing (a test makes sure none is).
    pub fn t<'k>(&self, key: &'k str) -> &'k str {
        match CATALOGUE.get(key) {
            Some(e) if self.lang == Lang::En => &e.en,
            Some(e) => &e.zh,
            None => key,
        }
    }

    /// The text of `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(key).to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
    }

    /// One of a bilingual pair from the rules core.
    pub fn pick<'a>(&self, t: &'a Text) -> &'a str {
        t.get(self.lang)
    }

    /// `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The `lang` query value of the other language, for the switch link.
    pub fn other_code(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
}

/// The analysts' page (`/analyst`, `web/analyst.rs`): key, Chinese, English. Kept apart from
/// `ui.toml`, which holds the worker's pages; `{name}` is filled in by the page, and a test in
/// `analyst.rs` checks both languages and that every key it names is here.
pub const ANALYST: &[(&str, &str, &str)] = &[
    ("an_title", "政策微观模拟（研究人员）", "Policy microsimulation (for analysts)"),
    (
        "an_intro",
        "在一个合成样本上比较现行规定和论文建议方案：设定收入档次、费率和补贴比例，运行后查看表格和图表。结果页的网址可以分享，打开即重新计算。",
        "Compare current law with the paper's proposal on a synthetic sample: set the brackets, rates and subsidy share, run it, and read the tables and charts. The results page's address can be shared; opening it runs the same simulation.",
    ),
    ("an_calculator", "个人计算器", "The worker's calculator"),
    ("an_sample", "样本", "Sample"),
    ("an_workers", "样本人数", "Sample size (workers)"),
    ("an_workers_hint", "1 到 {max} 人；做退休预测时最多 {cap} 人。", "1 to {max} workers; at most {cap} with a projection."),
    ("an_seed", "随机种子", "Seed"),
    ("an_seed_hint", "同一个种子生成同一批人。", "The same seed gives the same workers."),
    ("an_month", "月份", "Month"),
    ("an_month_hint", "按这个月的规定计算，格式如 2025-06。", "The rules of this month apply; write it like 2025-06."),
    ("an_policies", "比较的方案", "Policies compared"),
    ("an_paper", "论文建议方案的参数", "The paper's proposal"),
    ("an_edges", "收入档次上限（元，含）", "Bracket upper limits (yuan, inclusive)"),
    (
        "an_edges_hint",
        "月收入档次的上限，用逗号分开；最后一档没有上限。参数文件中的值：{brackets}",
        "Upper limits of the monthly income brackets, separated by commas; the last bracket has none. The parameter file's value: {brackets}",
    ),
    ("an_rates", "各档费率", "Rate of each bracket"),
    ("an_rates_hint", "比上限多一个，写成 0.12 或 12%。", "One more than the limits, written 0.12 or 12%."),
    ("an_subsidy", "补贴比例", "Subsidy share"),
    (
        "an_subsidy_hint",
        "政府补贴实际缴费的比例，写成 0.4 或 40%；这个方案允许 {range}。",
        "Share of the contribution the government pays, written 0.4 or 40%; this policy allows {range}.",
    ),
    ("an_years", "预测年数", "Projection years"),
    (
        "an_years_hint",
        "0 表示不预测；否则预测 N 年内到法定退休年龄的人每月能领多少。",
        "0 for none; otherwise project the pension of workers who reach statutory retirement within N years.",
    ),
    ("an_sets", "其他 --set（每行一个）", "Other --set lines (one per line)"),
    (
        "an_sets_hint",
        "例如 paper.subsidy.income_below=6000、paper.rate.personal_account=0.08 或 projection.credited_rate=0.01，写法见 docs/SIMULATION.md。",
        "For example paper.subsidy.income_below=6000, paper.rate.personal_account=0.08 or projection.credited_rate=0.01; see docs/SIMULATION.md.",
    ),
    ("an_run", "运行模拟", "Run the simulation"),
    ("an_problems", "请检查以下内容", "Please check"),
    ("an_e_whole", "“{v}”不是整数", "'{v}' is not a whole number"),
    ("an_e_range", "{v} 不在 {lo} 到 {hi} 之间", "{v} is outside {lo} to {hi}"),
    ("an_e_cap", "做退休预测时样本最多 {cap} 人，现在是 {v}", "with a projection the sample is at most {cap} workers, not {v}"),
    ("an_e_month", "“{v}”不是月份，请写成 2025-06 这样", "'{v}' is not a month; write it like 2025-06"),
    ("an_e_policy", "请至少选一个方案", "tick at least one policy"),
    ("an_e_unknown_policy", "没有叫“{v}”的方案", "there is no policy called '{v}'"),
    ("an_e_edge", "第 {i} 个上限“{v}”不是金额", "limit {i}, '{v}', is not an amount in yuan"),
    ("an_e_rising", "上限必须一个比一个大", "each limit must be above the one before"),
    ("an_e_brackets", "最多 {max} 档", "at most {max} brackets"),
    ("an_e_count", "需要 {n} 个费率（比上限多一个），现在有 {got} 个", "give {n} rates (one more than the limits), not {got}"),
    ("an_e_lines", "最多 {max} 行", "at most {max} lines"),
    ("an_e_line", "第 {i} 行“{v}”：请写成 key=value", "line {i}, '{v}': write key=value"),
    ("an_e_sim", "模拟没有接受这个请求", "the simulation did not accept this request"),
    ("an_e_failed", "模拟失败，请稍后再试或用命令行运行。", "The simulation failed; try again later or run it on the command line."),
    ("an_busy", "另一个模拟正在运行，请过一会儿再试。", "Another simulation is running; try again in a moment."),
    ("an_detail", "详情", "Detail"),
    (
        "an_unused",
        "这次没有比较论文建议方案，所以收入档次、费率和补贴比例没有用上。",
        "The paper's proposal is not in this run, so the brackets, rates and subsidy share were not used.",
    ),
    ("an_results", "结果", "Results"),
    (
        "an_summary",
        "{workers} 名合成的灵活就业人员（种子 {seed}），参保地 {region}，{month}",
        "{workers} synthetic flexible workers (seed {seed}), region {region}, {month}",
    ),
    (
        "an_rules",
        "费率 {brackets}；缴费基数 {lower}-{upper} 元；月收入低于 {below} 元的补贴 {share}",
        "rate {brackets}; base {lower}-{upper} yuan; subsidy {share} for incomes below {below} yuan",
    ),
    ("an_variant", "使用了变体：下面的数字不是参数文件中的值。", "Variant in use: the figures below are not the parameter files'."),
    ("an_totals", "本月合计", "The month's totals"),
    ("an_item", "项目", "Item"),
    ("an_r_workers", "人数", "Workers"),
    ("an_r_contribution", "缴费收入（元）", "Contribution revenue (yuan)"),
    ("an_r_personal", "其中记入个人账户", "of which to personal accounts"),
    ("an_r_pooling", "其中进入统筹基金", "of which to the pooling fund"),
    ("an_r_subsidy", "补贴支出（元）", "Subsidy cost (yuan)"),
    ("an_r_net", "个人实际负担（元）", "Net cost to workers (yuan)"),
    ("an_r_mean", "平均负担率（负担 ÷ 收入）", "Mean burden (net cost ÷ income)"),
    ("an_r_median", "负担率中位数", "Median burden"),
    ("an_r_over", "高于论文 10% 基准（人数）", "Over the paper's 10% benchmark (workers)"),
    ("an_by_band", "按本月收入分档（元）", "By the month's income (yuan)"),
    ("an_by_job", "按职业", "By job type"),
    ("an_c_group", "分组", "Group"),
    ("an_c_mean", "平均负担率", "Mean burden"),
    ("an_c_median", "中位数", "Median"),
    ("an_c_over", "高于 10%", "Over 10%"),
    ("an_c_per", "人均负担（元）", "Net per worker (yuan)"),
    ("an_charts", "图表", "Charts"),
    ("an_projection", "预测到退休（按今天的钱计）", "Projection to retirement (in today's money)"),
    ("an_p_projected", "预测人数", "Projected"),
    ("an_p_short", "缴费年限不足", "Short of the minimum years"),
    ("an_p_mean", "平均养老金（元/月）", "Mean pension (yuan a month)"),
    ("an_p_median", "养老金中位数（元/月）", "Median pension (yuan a month)"),
    ("an_p_repl", "替代率中位数", "Median replacement rate"),
    ("an_warnings", "注意", "Warnings"),
    ("an_cli", "用命令行复现", "Reproduce it on the command line"),
    ("an_json", "同样的结果（JSON）", "The same results as JSON"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys the code and templates name: `t("key")`, `f("key"` and `"key"` string literals of
    /// the catalogue's shape in the web code.
    fn used_keys() -> Vec<String> {
        let sources = [
            include_str!("mod.rs"),
            include_str!("results.rs"),
            include_str!("charts.rs"),
            include_str!("../../templates/page.html"),
            include_str!("../../templates/results.html"),
            include_str!("../../templates/switch.html"),
            include_str!("../../templates/not_found.html"),
            include_str!("people.rs"),
            include_str!("login.rs"),
            include_str!("../../templates/people/base.html"),
            include_str!("../../templates/people/login.html"),
            include_str!("../../templates/people/denied.html"),
            include_str!("../../templates/people/me.html"),
            include_str!("../../templates/people/listing.html"),
        ];
        let mut keys = Vec::new();
        for s in sources {
            for call in [".t(", ".f("] {
                for part in s.split(call).skip(1) {
                    if let Some(k) = part.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()) {
                        keys.push(k.to_string());
                    }
                }
            }
            // Keys passed around as values: ("current", "col_current"), "err_income", ...
            for part in s.split('"').skip(1).step_by(2) {
                if (["col_", "err_", "ledger_", "c_", "standing_"].iter().any(|p| part.starts_with(p)) || part.ends_with("_title"))
                    && !part.ends_with('_')
                {
                    keys.push(part.to_string());
                }
            }
        }
        // Built at run time from the confidence codes of the rules core.
        keys.extend(["P", "S", "W", "M", "C", "PROPOSAL"].iter().map(|c| format!("conf_{c}")));
        // Built at run time from the store's scheme names (the worker's page).
        keys.extend(flexpension_store::Scheme::ALL.iter().map(|s| format!("scheme_{}", s.as_str())));
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn catalogue_parses_and_every_key_has_both_languages() {
        let parsed: BTreeMap<String, Entry> = toml::from_str(SOURCE).expect("ui.toml parses");
        assert!(parsed.len() > 50);
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (k, e) in &parsed {
            assert!(!e.zh.trim().is_empty() && !e.en.trim().is_empty(), "{k} lacks a language");
            // The language switch shows the other language's own name, so it is the exception.
            if k != "other_lang" {
                assert!(cjk(&e.zh), "{k}: zh has no Chinese: {}", e.zh);
                assert!(!cjk(&e.en) || e.en.contains("缴费基数"), "{k}: en has Chinese: {}", e.en);
            }
            // The same placeholders in both languages.
            let holes = |s: &str| {
                let mut h: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split('}').next()).map(str::to_string).collect();
                h.sort();
                h
            };
            assert_eq!(holes(&e.zh), holes(&e.en), "{k}: placeholders differ");
        }
    }

    #[test]
    fn every_key_used_exists_and_every_key_is_used() {
        let used = used_keys();
        for k in &used {
            assert!(CATALOGUE.contains_key(k), "'{k}' is used but not in ui.toml");
        }
        for k in CATALOGUE.keys() {
            assert!(used.contains(k), "'{k}' is in ui.toml but never used");
        }
    }

    #[test]
    fn lookups() {
        let zh = Ui::parse(None);
        let en = Ui::parse(Some("EN"));
        assert_eq!((zh.html_lang(), en.html_lang()), ("zh-CN", "en"));
        assert_eq!(zh.t("submit"), "计算");
        assert_eq!(en.f("years_n", &[("n", "15")]), "15 y");
        assert_eq!(en.t("no_such_key"), "no_such_key");
    }
}
