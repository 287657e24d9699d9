//! The worker's page over real HTTP, as a browser without JavaScript sees it.

mod common;

use common::{get, get_with};

/// The text of the page with tags removed, so assertions read like what a person sees.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    [("&#39;", "'"), ("&#x27;", "'"), ("&quot;", "\""), ("&#34;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&#38;", "&"), ("&amp;", "&")]
        .iter()
        .fold(out, |s, (e, c)| s.replace(e, c))
}

#[test]
fn empty_page_is_a_plain_form_in_chinese() {
    let r = get("/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    let b = &r.body;
    assert!(b.contains(r#"<html lang="zh-CN">"#));
    assert!(b.contains(r#"<form id="calc" class="card" action="/" method="get""#), "a plain GET form");
    for name in ["income", "month", "years", "incomes", "base", "grade"] {
        assert!(b.contains(&format!(r#"name="{name}""#)), "input {name}");
    }
    assert!(b.contains(r#"<button type="submit">"#));
    // The month defaults to the server's current month (the tests fix today at 2025-03-15).
    assert!(b.contains(r#"name="month" type="month" value="2025-03""#));
    assert!(b.contains(r#"name="years" type="number""#) && b.contains(r#"value="15""#));
    assert!(text(b).contains("本月收入（元）"));
    assert!(!b.contains("class=\"compare\""), "no results before an income is entered");
    assert!(b.contains(r#"href="/?lang=en""#), "a visible switch to English");
    assert!(b.contains("/static/htmx.min.js?v="), "htmx is linked");
}

#[test]
fn results_without_javascript() {
    let r = get("/?income=3800&month=2025-03");
    assert_eq!(r.status, 200);
    let t = text(&r.body);
    // Today's rule: 4986 × 20% = 997.20, no subsidy, 26.24% of income.
    for s in ["¥997.20", "¥0.00", "26.24%", "高于论文的 10%", "现行规定", "论文建议"] {
        assert!(t.contains(s), "missing {s}");
    }
    // The paper: 4986 × 12% = 598.32, 40% subsidy 239.33, pays 358.99 = 9.45%.
    for s in ["¥598.32", "¥239.33", "¥358.99", "9.45%", "不高于论文的 10%"] {
        assert!(t.contains(s), "missing {s}");
    }
    assert!(t.contains("退休后每月约领"));
    assert!(t.contains("城乡居民养老保险"));
    assert!(t.contains("每年交 100 元，交 15 年"));
    assert!(t.contains("每月应缴：4986.00 × 20% = 997.20元"), "the explanation steps in Chinese");
    assert!(t.contains("请注意"), "the warnings");
    assert!(r.body.contains(r#"<svg xmlns="http://www.w3.org/2000/svg""#), "the pension chart");
    assert!(r.body.contains("<title id=\"pension-chart-title\">"));
    assert!(r.body.contains(r#"class="bar""#));
    // The inputs come back filled in.
    assert!(r.body.contains(r#"value="3800""#));
    assert!(
        r.body.contains(r#"href="/?lang=en&#38;region=zj&#38;income=3800&#38;month=2025-03"#)
            || r.body.contains("lang=en&amp;region=zj&amp;income=3800")
    );
}

#[test]
fn english_with_lang_en() {
    let r = get("/?lang=en&income=3800&month=2025-03");
    assert!(r.body.contains(r#"<html lang="en">"#));
    let t = text(&r.body);
    for s in ["Pension calculator", "Today's rule", "Paper's proposal", "You pay yourself", "¥997.20", "¥358.99", "above the paper's 10%"]
    {
        assert!(t.contains(s), "missing {s}");
    }
    assert!(t.contains("Contribution: 4986.00 × 20% = 997.20 yuan"), "the steps in English");
    assert!(!t.contains("本月收入"), "no Chinese UI text left");
    assert!(r.body.contains(">中文</a>"), "a switch back to Chinese");
    assert!(r.body.contains(r#"name="lang" value="en""#), "the form keeps the language");
}

#[test]
fn several_months_show_how_swings_change_the_bill() {
    let r = get("/?income=3800&month=2025-03&incomes=3800%2C+5200+2600");
    let t = text(&r.body);
    assert!(t.contains("收入忽高忽低时"));
    // 5200 is above the paper's 5000 subsidy line and in its 16% bracket: 4986 × 16% = 797.76.
    assert!(t.contains("¥797.76"));
    assert!(t.contains("现行规定：每月都是 997.20 元"));
    assert!(r.body.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 390 240""#), "the months chart");
    let too_many = get(&format!("/?income=1&incomes={}", "1+".repeat(13)));
    assert!(text(&too_many.body).contains("最多 12 个数"));
}

#[test]
fn problems_are_shown_in_plain_words() {
    let t = text(&get("/?income=abc&month=2025-03").body);
    assert!(t.contains("请检查下面的内容") && t.contains("本月收入请填一个数"));
    assert!(!t.contains("英文") && !t.contains("income:"), "no English detail on a Chinese page: {t}");
    let t = text(&get("/?income=3800&month=2023-03").body);
    assert!(t.contains("这个月份还没有可用的官方数字"));
    let t = text(&get("/?lang=en&income=3800&month=2025-3x").body);
    assert!(t.contains("Write the month like 2025-03"));
    let r = get("/?income=%3Cscript%3Ealert(1)%3C/script%3E");
    assert!(!r.body.contains("<script>alert(1)"), "input is escaped");
}

#[test]
fn htmx_gets_just_the_results() {
    let r = get_with("/?income=3800&month=2025-03", ("HX-Request", "true"));
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<html"), "a fragment, not a page");
    assert!(r.body.contains("¥997.20"));
    assert!(r.body.contains(r#"id="lang-switch" hx-swap-oob="true""#), "the language link follows the inputs");
    assert_eq!(r.header("vary"), Some("HX-Request"));
}

#[test]
fn unknown_pages_are_404_html() {
    let r = get("/nothing-here?lang=en");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("There is no such page."));
}

#[test]
fn the_language_is_remembered_and_defaults_to_the_browsers() {
    // Asked for: honoured and remembered in a cookie.
    let r = get("/?lang=en");
    assert!(r.body.contains(r#"<html lang="en">"#));
    let cookie = r.header("set-cookie").unwrap_or_default();
    assert!(cookie.starts_with("fp_lang=en;") && cookie.contains("Path=/"), "{cookie}");
    // Remembered: the cookie wins over the browser's language, on every page, errors too.
    for path in ["/", "/analyst", "/login", "/nothing-here"] {
        let r = get_with(path, ("cookie", "fp_lang=en"));
        assert!(r.body.contains(r#"<html lang="en""#), "{path}: {}", &r.body[..r.body.len().min(300)]);
        assert!(r.header("set-cookie").is_none_or(|c| !c.starts_with("fp_lang")), "{path}: set only when asked");
    }
    // Not chosen: Accept-Language decides; anything else is Chinese.
    assert!(get_with("/", ("accept-language", "en-US,en;q=0.9")).body.contains(r#"<html lang="en">"#));
    assert!(get_with("/", ("accept-language", "fr-FR, zh-CN;q=0.8, en;q=0.5")).body.contains(r#"<html lang="zh-CN">"#));
    assert!(get_with("/", ("accept-language", "de")).body.contains(r#"<html lang="zh-CN">"#));
    // The switch always names its language, so it beats the cookie.
    let r = get_with("/", ("cookie", "fp_lang=en"));
    assert!(r.body.contains(r#"href="/?lang=zh""#), "the switch back to Chinese is explicit");
    // The calculator offers a way to log in.
    assert!(get("/").body.contains(r#"href="/login?lang=zh""#));
}

#[test]
fn the_law_comes_first_and_the_proposal_behind_a_toggle() {
    let r = get("/?income=3800&month=2025-03");
    let b = &r.body;
    let today = b.find(r#"id="bill-today""#).expect("the law's table");
    let paper = b.find(r#"<details class="card paper""#).expect("the proposal's toggle");
    assert!(today < paper, "the law first");
    assert!(text(&b[paper..]).starts_with("试点方案（论文建议）"), "a labelled toggle");
    assert!(!b[today..paper].contains("¥358.99"), "the proposal's bill is not in the law's table");
    // No source codes in the notes, no English in the Chinese sources.
    let t = text(b);
    assert!(!t.contains("PAPER") && !t.contains("(W") && !t.contains("（W"), "{t}");
    let sources = &t[t.find("用到的数字和出处").expect("sources")..];
    assert!(!sources.contains("public repositories") && !sources.contains("transcribed"), "{sources}");
}
