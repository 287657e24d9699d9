//! Tiny SVG charts for display: a grouped bar chart and a line chart, each with a title, axis
//! labels, x labels, several named series and a legend. Pure: a chart goes in, a string comes out.
//!
//! The output scales to its container (a `viewBox`, width 100%), so the default 390-unit-wide
//! chart reads at 1:1 on a 390 px phone. Every text is escaped. The chart has a `<title>` and an
//! `aria-labelledby` so a screen reader announces it; each bar and point has its own `<title>`
//! with its value. Values are `f64` because they are only drawn; a value that is not finite is
//! left out (no bar, a gap in the line).
//!
//! | module | what |
//! |---|---|
//! | `axis` | The value axis: round ("nice") tick values that always include zero, and number printing |
//! | `bar` | Grouped bars: one group per x slot, one bar per series, from zero to the value |
//! | `line` | Lines: one per series through the slot centres, a point at each finite value, a gap where a value is missing |
//! | `svg` | Writing SVG text: escaping, the frame every chart shares (title, legend, axes) and text width |

mod axis;
mod bar;
mod line;
mod svg;

pub use axis::format_number;
pub use svg::escape;

/// One named row of values, one value per x label.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Series {
        Series { name: name.into(), values }
    }
}

/// What to draw. Build with [`Chart::new`] and the setters, then call [`Chart::bars`] or
/// [`Chart::lines`].
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// A longer description for screen readers (`<desc>`); empty for none.
    pub desc: String,
    pub x_label: String,
    pub y_label: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    /// The viewBox size; the drawing scales to its container whatever these are.
    pub width: u32,
    pub height: u32,
    /// Prefix for element ids: must be unique on a page that shows several charts.
    pub id: String,
    pub font_family: String,
}

impl Chart {
    pub fn new(title: impl Into<String>) -> Chart {
        Chart {
            title: title.into(),
            desc: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            x_labels: Vec::new(),
            series: Vec::new(),
            width: 390,
            height: 260,
            id: "chart".into(),
            font_family: "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif".into(),
        }
    }
    pub fn desc(mut self, d: impl Into<String>) -> Chart {
        self.desc = d.into();
        self
    }
    pub fn x_label(mut self, l: impl Into<String>) -> Chart {
        self.x_label = l.into();
        self
    }
    pub fn y_label(mut self, l: impl Into<String>) -> Chart {
        self.y_label = l.into();
        self
    }
    pub fn x_labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Chart {
        self.x_labels = labels.into_iter().map(Into::into).collect();
        self
    }
    pub fn series(mut self, s: Series) -> Chart {
        self.series.push(s);
        self
    }
    pub fn size(mut self, width: u32, height: u32) -> Chart {
        // Below this nothing fits; clamp rather than draw garbage.
        self.width = width.max(120);
        self.height = height.max(100);
        self
    }
    pub fn id(mut self, id: impl Into<String>) -> Chart {
        self.id = id.into();
        self
    }
    pub fn font_family(mut self, f: impl Into<String>) -> Chart {
        self.font_family = f.into();
        self
    }

    /// A grouped bar chart: one group per x label, one bar per series in each group.
    pub fn bars(&self) -> String {
        bar::draw(self)
    }

    /// A line chart: one line per series, a point at each finite value.
    pub fn lines(&self) -> String {
        line::draw(self)
    }

    /// How many x positions there are: the longest of the labels and the series.
    fn slots(&self) -> usize {
        self.series.iter().map(|s| s.values.len()).chain([self.x_labels.len()]).max().unwrap_or(0)
    }

    fn finite_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| s.values.iter().copied()).filter(|v| v.is_finite())
    }
}

/// Series colours (Okabe–Ito: told apart by people with colour-blindness).
const COLOURS: [&str; 7] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D00"];

fn colour(i: usize) -> &'static str {
    COLOURS[i % COLOURS.len()]
}
