//! Plain names of the parameters, for explanations: the message catalogue of the rules core.

use crate::explain::Text;

/// The name of a parameter key in both languages; an unknown key is shown as itself.
pub fn param_name(key: &str) -> Text {
    let last = key.rsplit('.').next().unwrap_or(key);
    let (zh, en) = match last {
        "base_lower" => ("缴费基数下限", "contribution base lower limit"),
        "base_upper" => ("缴费基数上限", "contribution base upper limit"),
        "benefit_base" => ("计发基数（上年度平均工资）", "benefit base (last year's average wage)"),
        "rate_brackets" => ("缴费费率", "contribution rate"),
        "personal_account_rate" => ("记入个人账户的比例", "share of the base credited to your personal account"),
        "subsidy_share" => ("补贴比例", "subsidy share"),
        "subsidy_income_below" => ("补贴收入线", "subsidy income line"),
        "burden_benchmark" => ("负担基准（论文）", "burden benchmark (the paper's)"),
        "accrual_per_year" => ("每缴费一年的计发比例", "pension per year of contributions"),
        "years_decimals" => ("缴费年限保留小数位", "decimals of contribution years"),
        "divisor_table" => ("计发月数表", "annuity divisor table"),
        "divisor_by_month" => ("按月计算计发月数", "divisor by years and months"),
        "credited_rate" => ("个人账户记账利率", "credited interest rate"),
        "new_contribution_interest_factor" => ("当年缴费计息系数", "interest factor for the year's own contributions"),
        "retirement_reform" => ("渐进式延迟退休办法", "gradual retirement-age reform"),
        "flexible_early_retirement_months" => ("弹性提前退休最长月数", "longest flexible early retirement"),
        "min_contribution_years" => ("最低缴费年限", "minimum contribution years"),
        "female_flexible_category" => ("灵活就业女性适用的原退休年龄", "original retirement age for women in the flexible track"),
        "injury_cover_from" => ("职业伤害保障试点开始日期", "injury-cover pilot start"),
        "ride_hailing" => ("出行每单保费", "premium per ride-hailing order"),
        "instant_delivery" => ("即时配送每单保费", "premium per instant-delivery order"),
        "instant_delivery_high" => ("即时配送每单保费（高档）", "premium per instant-delivery order (high level)"),
        "same_city_freight" => ("同城货运每单保费", "premium per same-city freight order"),
        "grades" => ("居民养老保险缴费档次", "residents' pension contribution grades"),
        "subsidy_low" => ("政府缴费补贴（低档）", "government top-up (lower grades)"),
        "subsidy_high" => ("政府缴费补贴（500元及以上档）", "government top-up (grades of 500 and more)"),
        "subsidy_high_from_grade" => ("较高补贴起点档次", "grade from which the higher top-up applies"),
        "account_divisor" => ("居民养老保险计发月数", "residents' pension annuity divisor"),
        "min_years" => ("居民养老保险最低缴费年限", "residents' pension minimum years"),
        "basic_pension" => ("居民基础养老金", "residents' basic pension"),
        "future_credited_rate" => ("预测用记账利率", "credited rate assumed for the future"),
        _ => (key, key),
    };
    Text::new(zh, en)
}
