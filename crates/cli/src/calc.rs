//! `flexpension calc ...`: each calculator, with the same request and response as the API.

use crate::output::{emit, explained, lang_arg};
use crate::{UsageError, today};
use clap::{Args, Subcommand};
use flexpension_rules::money::yuan;
use flexpension_rules::{Lang, Params};
use flexpension_server::calc::{self, CalcError, NumText};
use serde::Serialize;
use std::fmt::Write;

#[derive(Subcommand)]
pub enum CalcCommand {
    /// A month's contribution: base, rate, split, subsidy, net cost and burden.
    Contribution(ContributionArgs),
    /// Statutory retirement month under the 2025 reform.
    Retirement(RetirementArgs),
    /// Monthly pension at retirement from the benefit formula.
    Pension(PensionArgs),
    /// Working days under the official holiday calendar.
    Workdays(WorkdaysArgs),
    /// Per-order injury premium a platform pays.
    Injury(InjuryArgs),
    /// Check a resident ID number or a unified social credit code.
    IdCheck(IdCheckArgs),
    /// Cross-region transfer: the pooling-fund money that moves (12% of each base from 1998-01).
    TransferFunds(TransferFundsArgs),
    /// Cross-region transfer: the province that pays the pension (article 6, rules 1-4).
    BenefitPlace(BenefitPlaceArgs),
    /// Cross-region transfer: whether the new place opens a temporary contribution account.
    TemporaryAccount(TemporaryAccountArgs),
    /// Cross-region transfer: the latest date of each statutory step (3 × 15 working days).
    TransferDeadlines(TransferDeadlinesArgs),
}

#[derive(Args)]
pub struct Common {
    /// Print JSON (field names are a contract).
    #[arg(long)]
    json: bool,
    /// Language of the labels and the explanation.
    #[arg(long, default_value = "zh", value_parser = lang_arg())]
    lang: Lang,
}

#[derive(Args)]
pub struct ContributionArgs {
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    /// Contribution month, YYYY-MM.
    #[arg(long)]
    month: String,
    /// Verified income this month from all platforms, in yuan.
    #[arg(long)]
    income: String,
    /// Declared contribution base in yuan (default: the region's lower limit).
    #[arg(long)]
    base: Option<String>,
    /// current (the law) or paper (the paper's proposal); default: the region's policy.
    #[arg(long)]
    policy: Option<String>,
    /// Replace some region values, e.g. paper-2024 (the paper's 4227 lower limit).
    #[arg(long)]
    overlay: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct RetirementArgs {
    /// Birth month, YYYY-MM.
    #[arg(long)]
    birth: String,
    /// male or female.
    #[arg(long)]
    sex: String,
    /// For women: female55 or female50 (original retirement age); default: the region's practice.
    #[arg(long)]
    category: Option<String>,
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct PensionArgs {
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    /// Retirement month, YYYY-MM.
    #[arg(long)]
    retire: String,
    /// Age at retirement, e.g. 60y1m.
    #[arg(long)]
    age: String,
    /// Benefit base (计发基数) in yuan.
    #[arg(long)]
    benefit_base: String,
    /// Average contribution index, e.g. 0.872.
    #[arg(long)]
    index: String,
    /// Contribution months counted.
    #[arg(long)]
    months: String,
    /// Personal-account balance at retirement, in yuan.
    #[arg(long)]
    balance: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct WorkdaysArgs {
    /// Start date, YYYY-MM-DD.
    #[arg(long)]
    from: String,
    /// Count this many working days after --from.
    #[arg(long, conflicts_with = "to")]
    add: Option<String>,
    /// Count the working days after --from up to this date.
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct InjuryArgs {
    /// ride_hailing, instant_delivery or same_city_freight.
    #[arg(long)]
    order_type: String,
    /// Number of completed orders.
    #[arg(long)]
    orders: String,
    /// standard (default) or high (instant delivery's 0.25-yuan level).
    #[arg(long)]
    level: Option<String>,
    /// Date the orders were completed, YYYY-MM-DD (default: today).
    #[arg(long)]
    date: Option<String>,
    /// Apply this region's pilot start date.
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct IdCheckArgs {
    /// The number to check.
    number: String,
    /// resident_id or uscc (guessed when left out).
    #[arg(long)]
    kind: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct TransferFundsArgs {
    /// First contribution month, YYYY-MM.
    #[arg(long)]
    from: String,
    /// Last contribution month, YYYY-MM (inclusive).
    #[arg(long)]
    to: String,
    /// Monthly contribution base over those months, in yuan.
    #[arg(long, allow_hyphen_values = true)]
    base: String,
    /// Personal-account balance that moves in full, in yuan (default 0).
    #[arg(long, allow_hyphen_values = true)]
    personal_account: Option<String>,
    /// Date of the transfer, YYYY-MM-DD: the rules in force then (default: today).
    #[arg(long)]
    date: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct BenefitPlaceArgs {
    /// Hukou province: two-letter code (ah) or GB/T 2260 prefix (34).
    #[arg(long)]
    hukou: String,
    /// Places and whole years in order, the last one current: zj:12,sh:8 (zj:12:temporary for a temporary account).
    #[arg(long, allow_hyphen_values = true)]
    history: String,
    /// Date, YYYY-MM-DD: the rules in force then (default: today).
    #[arg(long)]
    date: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct TemporaryAccountArgs {
    /// male or female.
    #[arg(long)]
    sex: String,
    /// Age in whole years.
    #[arg(long, allow_hyphen_values = true)]
    age: String,
    /// Hukou province: two-letter code (ah) or GB/T 2260 prefix (34).
    #[arg(long)]
    hukou: String,
    /// Province of the new insurance place.
    #[arg(long)]
    insured_in: String,
    /// Date, YYYY-MM-DD: the rules in force then (default: today).
    #[arg(long)]
    date: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct TransferDeadlinesArgs {
    /// Day the written transfer application was filed, YYYY-MM-DD.
    #[arg(long)]
    application: String,
    #[command(flatten)]
    common: Common,
}

/// A calculator's mistake names the CLI argument, as `--field`.
fn usage(e: CalcError) -> anyhow::Error {
    UsageError(format!("--{}: {}", e.field.replace('_', "-"), e.message)).into()
}

fn json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    emit(&(serde_json::to_string_pretty(v)? + "\n"));
    Ok(())
}

pub fn run(p: &Params, cmd: CalcCommand) -> anyhow::Result<()> {
    let mut o = String::new();
    match cmd {
        CalcCommand::Contribution(a) => {
            let req = calc::ContributionRequest {
                region: Some(a.region),
                month: a.month,
                income: NumText::Text(a.income),
                base: a.base.map(NumText::Text),
                policy: a.policy,
                overlay: a.overlay,
            };
            let r = calc::contribution(p, &req).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let v = &r.result;
            let l = a.common.lang;
            writeln!(o, "{} {} · {} {}", l.t("cli.region"), r.region, l.t("cli.policy"), r.policy)?;
            writeln!(o, "{}: {}", l.t("cli.base"), yuan(v.base_fen))?;
            writeln!(o, "{}: {}", l.t("cli.rate"), v.rate)?;
            writeln!(o, "{}: {}", l.t("cli.contribution"), yuan(v.contribution_fen))?;
            writeln!(o, "{}: {}", l.t("cli.personal_account"), yuan(v.personal_account_fen))?;
            writeln!(o, "{}: {}", l.t("cli.pooling"), yuan(v.pooling_fen))?;
            writeln!(o, "{}: {}", l.t("cli.subsidy"), yuan(v.subsidy_fen))?;
            writeln!(o, "{}: {}", l.t("cli.net"), yuan(v.net_fen))?;
            writeln!(o, "{}: {}", l.t("cli.burden"), v.burden.as_deref().unwrap_or("-"))?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::Retirement(a) => {
            let req = calc::RetirementRequest { birth: a.birth, sex: a.sex, category: a.category, region: Some(a.region) };
            let r = calc::retirement(p, &req, today()).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let (v, l) = (&r.result, a.common.lang);
            writeln!(o, "{}: {}", l.t("cli.retirement_month"), v.retirement_month)?;
            writeln!(o, "{}: {}y{}m", l.t("cli.statutory_age"), v.age_years, v.age_months)?;
            writeln!(o, "{}: {}", l.t("cli.min_years"), v.min_contribution_years)?;
            writeln!(o, "{}: {}", l.t("cli.earliest"), v.earliest_month)?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::Pension(a) => {
            let req = calc::PensionRequest {
                region: Some(a.region),
                retire: a.retire,
                age: a.age,
                benefit_base: NumText::Text(a.benefit_base),
                index: NumText::Text(a.index),
                months: NumText::Text(a.months),
                balance: NumText::Text(a.balance),
            };
            let r = calc::pension(p, &req).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let (v, l) = (&r.result, a.common.lang);
            writeln!(o, "{}: {}", l.t("cli.basic_pension"), yuan(v.basic_fen))?;
            writeln!(o, "{}: {}", l.t("cli.personal_pension"), yuan(v.personal_fen))?;
            writeln!(o, "{}: {}", l.t("cli.total"), yuan(v.total_fen))?;
            writeln!(o, "{}: {}", l.t("cli.divisor"), v.divisor)?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::Workdays(a) => {
            if a.add.is_none() && a.to.is_none() {
                return Err(UsageError("--add or --to: give one of them".into()).into());
            }
            let req = calc::WorkdaysRequest { from: a.from, add: a.add.map(NumText::Text), to: a.to };
            let r = calc::workdays(p, &req).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let l = a.common.lang;
            if let Some(d) = r.date {
                writeln!(o, "{}: {d}", l.t("cli.date"))?;
            }
            if let Some(n) = r.working_days {
                writeln!(o, "{}: {n}", l.t("cli.working_days"))?;
            }
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::Injury(a) => {
            let req = calc::InjuryRequest {
                order_type: a.order_type,
                orders: NumText::Text(a.orders),
                level: a.level,
                date: a.date,
                region: a.region,
            };
            let r = calc::injury(p, &req, today()).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let l = a.common.lang;
            writeln!(o, "{}: {}", l.t("cli.premium"), yuan(r.result.premium_fen))?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::TransferFunds(a) => {
            let req = calc::TransferFundsRequest {
                from: a.from,
                to: a.to,
                base: NumText::Text(a.base),
                personal_account: a.personal_account.map(NumText::Text),
                date: a.date,
            };
            let r = calc::transfer_funds(p, &req, today()).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let (v, l) = (&r.result, a.common.lang);
            writeln!(o, "{}: {} ({}: {})", l.t("cli.months"), v.months, l.t("cli.pool_months"), v.pool_months)?;
            writeln!(o, "{}: {}", l.t("cli.pool_transfer"), yuan(v.pool_transfer_fen))?;
            writeln!(o, "{}: {}", l.t("cli.personal_account"), yuan(v.personal_account_fen))?;
            writeln!(o, "{}: {}", l.t("cli.total"), yuan(v.total_fen))?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::BenefitPlace(a) => {
            let req = calc::BenefitPlaceRequest { hukou: a.hukou, history: a.history, date: a.date };
            let r = calc::benefit_place(p, &req, today()).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let (v, l) = (&r.result, a.common.lang);
            let name = if l.is_en() { &v.place_en } else { &v.place_zh };
            writeln!(o, "{}: {name} ({})", l.t("cli.benefit_place"), v.place)?;
            writeln!(o, "{}: {}", l.t("cli.benefit_rule"), v.rule)?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::TemporaryAccount(a) => {
            let req = calc::TemporaryAccountRequest {
                sex: a.sex,
                age: NumText::Text(a.age),
                hukou: a.hukou,
                insured_in: a.insured_in,
                date: a.date,
            };
            let r = calc::temporary_account(p, &req, today()).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let l = a.common.lang;
            let yes_no = if r.result.temporary { l.t("cli.yes") } else { l.t("cli.no") };
            writeln!(o, "{}: {yes_no}", l.t("cli.temporary_account"))?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::TransferDeadlines(a) => {
            let r = calc::transfer_deadlines(p, &calc::TransferDeadlinesRequest { application: a.application }).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let (v, l) = (&r.result, a.common.lang);
            writeln!(o, "{}: {}", l.t("cli.review_due"), v.review_due)?;
            writeln!(o, "{}: {}", l.t("cli.handover_due"), v.handover_due)?;
            writeln!(o, "{}: {}", l.t("cli.completion_due"), v.completion_due)?;
            explained(&mut o, l, &r.explanation)?;
        }
        CalcCommand::IdCheck(a) => {
            let r = calc::id_check(&calc::IdCheckRequest { number: a.number, kind: a.kind }).map_err(usage)?;
            if a.common.json {
                return json(&r);
            }
            let l = a.common.lang;
            let kind = r
                .kind
                .map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
                .unwrap_or_default();
            if r.valid {
                writeln!(o, "{} ({kind})", l.t("cli.valid"))?;
            } else {
                writeln!(o, "{} ({kind}): {}", l.t("cli.invalid"), r.reason.as_deref().unwrap_or(""))?;
            }
            if let Some(w) = &r.warning {
                writeln!(o, "{}: {w}", l.t("cli.note"))?;
            }
        }
    }
    emit(&o);
    Ok(())
}
