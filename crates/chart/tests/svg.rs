mod common;

use common::{Element, parse};
use flexpension_chart::{Chart, Series, escape};

fn sample() -> Chart {
    Chart::new("每月养老金 <按缴费年限> & more")
        .desc("A & B")
        .x_label("缴费年限")
        .y_label("元/月")
        .x_labels(["10年", "15年", "20年", "25年", "30年", "35年", "40年"])
        .series(Series::new("现行规则", vec![1200.0, 1500.0, 1800.0, 2100.0, 2400.0, 2700.0, 3000.0]))
        .series(Series::new("论文方案 \"paper\"", vec![1100.5, 1400.0, f64::NAN, 2000.0, 2300.0, 2600.0, 2900.0]))
        .id("p1")
}

fn count(els: &[Element], name: &str, class: &str) -> usize {
    els.iter().filter(|e| e.name == name && e.attrs.get("class").map(String::as_str) == Some(class)).count()
}

#[test]
fn bars_are_well_formed_and_counted() {
    let svg = sample().bars();
    let els = parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(els[0].name, "svg");
    assert_eq!(els[0].attrs["viewBox"], "0 0 390 260");
    assert_eq!(els[0].attrs["role"], "img");
    assert_eq!(els[0].attrs["aria-labelledby"], "p1-title p1-desc");
    // One bar per finite value: 7 + 6 (the NaN is left out).
    assert_eq!(count(&els, "rect", "bar"), 13);
    // The chart's own title is the first child and is unescaped back to the original text.
    let title = els.iter().find(|e| e.name == "title").unwrap();
    assert_eq!(title.parents, vec!["svg".to_string()]);
    assert_eq!(title.text, "每月养老金 <按缴费年限> & more");
    assert!(svg.contains("&lt;按缴费年限&gt; &amp; more"));
    // Every bar says what it is.
    let bar_titles: Vec<_> = els.iter().filter(|e| e.name == "title" && e.parents.last().map(String::as_str) == Some("rect")).collect();
    assert_eq!(bar_titles.len(), 13);
    assert!(bar_titles.iter().any(|t| t.text == "论文方案 \"paper\", 10年: 1,100.5"));
    // Legend: a swatch per series, names present.
    assert_eq!(count(&els, "rect", "legend-swatch"), 2);
    assert!(els.iter().any(|e| e.name == "text" && e.text == "论文方案 \"paper\""));
    assert!(els.iter().any(|e| e.name == "text" && e.text == "缴费年限"));
    assert!(els.iter().any(|e| e.name == "text" && e.text == "元/月"));
}

#[test]
fn bars_stay_inside_the_view_and_grow_from_zero() {
    let c = sample();
    let els = parse(&c.bars()).unwrap();
    let num = |e: &Element, k: &str| e.attrs[k].parse::<f64>().unwrap();
    let bars: Vec<_> = els.iter().filter(|e| e.attrs.get("class").map(String::as_str) == Some("bar")).collect();
    let bottom = bars.iter().map(|b| num(b, "y") + num(b, "height")).fold(f64::NAN, f64::max);
    for b in &bars {
        let (x, y, w, h) = (num(b, "x"), num(b, "y"), num(b, "width"), num(b, "height"));
        assert!(x >= 0.0 && x + w <= 390.0 && y >= 0.0 && y + h <= 260.0, "{b:?}");
        // All values are positive, so every bar ends on the zero line.
        assert!((y + h - bottom).abs() < 0.11);
    }
    // Taller value, taller bar.
    assert!(num(bars[6], "height") > num(bars[0], "height"));
}

#[test]
fn lines_have_a_point_per_value_and_a_gap_for_missing() {
    let svg = sample().lines();
    let els = parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(count(&els, "circle", "point"), 13);
    let paths: Vec<_> = els.iter().filter(|e| e.name == "path").collect();
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0].attrs["d"].matches('M').count(), 1);
    // The NaN breaks the second line into two pieces.
    assert_eq!(paths[1].attrs["d"].matches('M').count(), 2);
    assert_eq!(count(&els, "line", "legend-swatch"), 2);
}

#[test]
fn odd_inputs_still_give_a_valid_picture() {
    let cases = [
        Chart::new(""),
        Chart::new("only labels").x_labels(["a", "b"]),
        Chart::new("negative").series(Series::new("s", vec![-5.0, 3.0, f64::INFINITY])),
        Chart::new("all nan").series(Series::new("s", vec![f64::NAN; 3])).size(10, 10),
        Chart::new("x".repeat(300)).series(Series::new("<&>'\"\u{1}", vec![1e12])).id("a\"b"),
        Chart::new("many").x_labels((0..40).map(|i| format!("label {i}"))).series(Series::new("s", (0..40).map(f64::from).collect())),
    ];
    for c in cases {
        for svg in [c.bars(), c.lines()] {
            parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        }
    }
    let neg = parse(&Chart::new("n").series(Series::new("s", vec![-5.0, 3.0])).bars()).unwrap();
    assert_eq!(count(&neg, "rect", "bar"), 2);
}

#[test]
fn escape_covers_markup_characters() {
    assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}
