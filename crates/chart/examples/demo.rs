//! Prints a sample bar chart and line chart as an HTML page: `cargo run -p flexpension-chart --example demo > demo.html`.

#![allow(clippy::disallowed_macros, reason = "an example prints the page it makes")]

use flexpension_chart::{Chart, Series};

fn main() {
    let c = Chart::new("每月养老金（按缴费年限）")
        .x_label("缴费年限")
        .y_label("元/月")
        .x_labels(["10年", "15年", "20年", "25年", "30年", "35年", "40年"])
        .series(Series::new("现行规则", vec![1200.0, 1500.0, 1800.0, 2100.0, 2400.0, 2700.0, 3000.0]))
        .series(Series::new("论文方案", vec![1100.5, 1400.0, 1700.0, 2000.0, 2300.0, 2600.0, 2900.0]))
        .series(Series::new("居民养老保险", vec![300.0, 350.0, 400.0, 450.0, 500.0, 550.0, 600.0]));
    println!(
        "<!doctype html><meta charset=utf-8><body style=\"margin:0;width:390px\">{}{}</body>",
        c.clone().id("a").bars(),
        c.id("b").lines()
    );
}
