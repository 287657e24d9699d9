//! When a notice may reach a worker: in their usual breaks between orders (learnt from their own
//! order times), never in their platform's rush hours or at night, at most `week_cap` in any 7
//! days and `min_gap_hours` apart; and who is held out (A/B) so the effect is measured.
//! Times are China time, as naive date-times.

use crate::settings::NoticeSettings;
use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};
use flexpension_rules::injury::OrderType;

/// Minutes in a day, and the width of the slots breaks are counted in.
const DAY: u32 = 24 * 60;
const SLOT: u32 = 15;

/// A window of the day, `from` inclusive to `to` exclusive, in minutes; it crosses midnight when
/// `to <= from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: u32,
    pub to: u32,
}

impl Window {
    /// `HH:MM-HH:MM`.
    pub fn parse(s: &str) -> Option<Window> {
        let (a, b) = s.split_once('-')?;
        let minute = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok().map(|t| t.hour() * 60 + t.minute());
        let (from, to) = (minute(a)?, minute(b)?);
        (from != to).then_some(Window { from, to })
    }

    pub fn contains(self, minute: u32) -> bool {
        if self.from < self.to { (self.from..self.to).contains(&minute) } else { minute >= self.from || minute < self.to }
    }
}

/// The rules of `[notices]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRules {
    pub peaks: Vec<(OrderType, Vec<Window>)>,
    pub quiet: Vec<Window>,
    pub fallback: Vec<Window>,
    pub week_cap: u32,
    pub min_gap: Duration,
    pub break_minutes: u32,
    pub history_days: u32,
    pub holdout_share: f64,
}

fn windows(key: &'static str, list: &[String]) -> Result<Vec<Window>, (&'static str, String)> {
    list.iter().map(|w| Window::parse(w).ok_or((key, format!("'{w}' is not HH:MM-HH:MM")))).collect()
}

impl NoticeRules {
    pub fn new(s: &NoticeSettings) -> Result<NoticeRules, (&'static str, String)> {
        let peaks = vec![
            (OrderType::InstantDelivery, windows("notices.peak_instant_delivery", &s.peak_instant_delivery.value)?),
            (OrderType::RideHailing, windows("notices.peak_ride_hailing", &s.peak_ride_hailing.value)?),
            (OrderType::SameCityFreight, windows("notices.peak_same_city_freight", &s.peak_same_city_freight.value)?),
        ];
        let r = NoticeRules {
            peaks,
            quiet: windows("notices.quiet", &s.quiet.value)?,
            fallback: windows("notices.fallback", &s.fallback.value)?,
            week_cap: s.week_cap.value,
            min_gap: Duration::hours(i64::from(s.min_gap_hours.value)),
            break_minutes: s.break_minutes.value,
            history_days: s.history_days.value,
            holdout_share: s.holdout_share.value,
        };
        if !(1..=14).contains(&r.week_cap) {
            return Err(("notices.week_cap", "must be 1 to 14".into()));
        }
        if !(5..=240).contains(&r.break_minutes) || !(1..=365).contains(&r.history_days) {
            return Err(("notices.break_minutes", "break 5 to 240 minutes, history 1 to 365 days".into()));
        }
        if r.fallback.is_empty() || r.fallback.iter().all(|w| r.blocked_all_day(*w)) {
            return Err(("notices.fallback", "needs a window outside the quiet hours and every rush hour".into()));
        }
        Ok(r)
    }

    /// Rush hours of the order type, or of every type when the worker's is not known.
    fn peaks_of(&self, kind: Option<OrderType>) -> impl Iterator<Item = &Window> {
        self.peaks.iter().filter(move |(t, _)| kind.is_none_or(|k| k == *t)).flat_map(|(_, w)| w)
    }

    /// May a notice go out at this minute of the day?
    pub fn open(&self, minute: u32, kind: Option<OrderType>) -> bool {
        !self.quiet.iter().any(|w| w.contains(minute)) && !self.peaks_of(kind).any(|w| w.contains(minute))
    }

    fn blocked_all_day(&self, w: Window) -> bool {
        (0..DAY).filter(|m| w.contains(*m)).all(|m| !self.open(m, None))
    }

    /// The slots of the day (start minutes, every 15) in which this worker was between orders,
    /// most often first, counted over the last `history_days` before `now`.
    pub fn breaks(&self, now: NaiveDateTime, orders: &[NaiveDateTime]) -> Vec<u32> {
        let since = now - Duration::days(i64::from(self.history_days));
        let mut times: Vec<NaiveDateTime> = orders.iter().copied().filter(|t| *t >= since && *t <= now).collect();
        times.sort();
        let mut count = [0u32; (DAY / SLOT) as usize];
        for pair in times.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let gap = (b - a).num_minutes();
            // A break: long enough to read, short enough that the worker is still on shift.
            if a.date() != b.date() || gap < i64::from(self.break_minutes) || gap > 180 {
                continue;
            }
            // The slots wholly inside the gap, 5 minutes after the first order is handed over.
            let (start, end) = (a.hour() * 60 + a.minute() + 5, b.hour() * 60 + b.minute());
            let mut s = start.div_ceil(SLOT) * SLOT;
            while s + SLOT <= end {
                count[(s / SLOT) as usize] += 1;
                s += SLOT;
            }
        }
        let mut slots: Vec<u32> = (0..DAY / SLOT).filter(|i| count[*i as usize] > 0).map(|i| i * SLOT).collect();
        slots.sort_by(|a, b| count[(*b / SLOT) as usize].cmp(&count[(*a / SLOT) as usize]).then(a.cmp(b)));
        slots
    }

    /// The next time after `now`, within 7 days, at which a notice may go to this worker, or
    /// `None` when the cap or the gap leaves no room. `sent` are the worker's earlier notices.
    pub fn next_time(
        &self,
        now: NaiveDateTime,
        orders: &[NaiveDateTime],
        kind: Option<OrderType>,
        sent: &[NaiveDateTime],
    ) -> Option<NaiveDateTime> {
        // The worker's breaks that are open; without any (no history, or breaks only in rush
        // or quiet hours), the fallback hours.
        let mut slots: Vec<u32> = self.breaks(now, orders).into_iter().filter(|m| self.open(*m, kind)).collect();
        if slots.is_empty() {
            slots =
                (0..DAY / SLOT).map(|i| i * SLOT).filter(|m| self.fallback.iter().any(|w| w.contains(*m)) && self.open(*m, kind)).collect();
        }
        let today = now.date();
        let mut candidates: Vec<NaiveDateTime> = (0..=7)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .flat_map(|day| slots.iter().map(move |m| day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(*m))))
            .filter(|t| *t > now && *t <= now + Duration::days(7))
            .collect();
        // Each day's most usual break comes first within its day; the earliest day first.
        candidates.sort_by_key(|t| t.date());
        candidates.into_iter().find(|t| self.allowed(*t, sent))
    }

    /// The cap and the gap: fewer than `week_cap` notices in the 7 days before `t`, none closer
    /// than `min_gap` either side.
    pub fn allowed(&self, t: NaiveDateTime, sent: &[NaiveDateTime]) -> bool {
        let week = sent.iter().filter(|s| **s > t - Duration::days(7) && **s <= t).count();
        week < self.week_cap as usize && sent.iter().all(|s| (*s - t).abs() >= self.min_gap)
    }
}

/// A worker's arm of an outreach experiment: the holdout gets no notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    Treated,
    Holdout,
}

/// The same worker and experiment always give the same arm (FNV-1a of both).
pub fn arm(worker_id: &str, experiment: &str, holdout_share: f64) -> Arm {
    let h = experiment
        .bytes()
        .chain([0])
        .chain(worker_id.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    if ((h % 10_000) as f64) < holdout_share * 10_000.0 { Arm::Holdout } else { Arm::Treated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use chrono::NaiveDate;
    use flexpension_rules::Params;
    use proptest::prelude::*;

    fn rules() -> NoticeRules {
        let s = Settings::embedded(&Params::embedded().expect("params").sources).expect("settings");
        NoticeRules::new(&s.notices).expect("rules")
    }

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 9, day).and_then(|d| d.and_hms_opt(h, m, 0)).expect("time")
    }

    #[test]
    fn windows_parse_and_wrap() {
        let night = Window::parse("22:00-08:00").unwrap();
        assert!(night.contains(23 * 60) && night.contains(7 * 60) && !night.contains(12 * 60));
        assert!(Window::parse("12:00-12:00").is_none() && Window::parse("25:00-01:00").is_none());
    }

    #[test]
    fn a_rider_is_told_in_the_afternoon_lull_not_at_lunch() {
        let r = rules();
        // A rider with orders every 10 minutes through the rushes and a gap 14:00-15:00 daily.
        let mut orders = Vec::new();
        for day in 1..=20 {
            for h in [11, 12, 13, 17, 18] {
                orders.extend((0..6).map(|k| at(day, h, k * 10)));
            }
            orders.push(at(day, 14, 0));
            orders.push(at(day, 15, 0));
        }
        let t = r.next_time(at(21, 9, 0), &orders, Some(OrderType::InstantDelivery), &[]).unwrap();
        assert_eq!(t.date(), at(21, 0, 0).date());
        assert!((14 * 60 + 5..15 * 60).contains(&(t.hour() * 60 + t.minute())), "{t}");
        // Two sent this week: the cap holds the next one back until the 7 days have passed.
        let sent = [at(16, 15, 0), at(19, 15, 0)];
        let t = r.next_time(at(21, 9, 0), &orders, Some(OrderType::InstantDelivery), &sent).unwrap();
        assert!(t > at(23, 15, 0), "{t}");
    }

    #[test]
    fn a_new_worker_gets_the_fallback_hours() {
        let t = rules().next_time(at(1, 16, 30), &[], None, &[]).unwrap();
        assert_eq!((t.date(), t.hour()), (at(1, 0, 0).date(), 20), "{t}");
    }

    #[test]
    fn breaks_only_at_night_fall_back_to_the_fallback_hours() {
        let orders: Vec<_> = (1..=20).flat_map(|d| [at(d, 23, 0), at(d, 23, 40)]).collect();
        let t = rules().next_time(at(21, 9, 0), &orders, None, &[]).expect("a time");
        assert_eq!((t.date(), t.hour()), (at(21, 0, 0).date(), 15), "{t}");
    }

    #[test]
    fn arms_are_stable_and_near_the_share() {
        assert_eq!(arm("w1", "2026-12", 0.2), arm("w1", "2026-12", 0.2));
        let held = (0..10_000).filter(|i| arm(&format!("w{i}"), "e1", 0.2) == Arm::Holdout).count();
        assert!((1_700..2_300).contains(&held), "{held}");
    }

    proptest! {
        #[test]
        fn never_in_rush_or_quiet_hours_nor_over_the_cap(
            orders in proptest::collection::vec((1u32..28, 0u32..24, 0u32..60), 0..120),
            sent in proptest::collection::vec((1u32..28, 0u32..24, 0u32..60), 0..6),
            kind in proptest::option::of(0usize..3),
            now in (20u32..28, 0u32..24),
        ) {
            let r = rules();
            let orders: Vec<_> = orders.into_iter().map(|(d, h, m)| at(d, h, m)).collect();
            let sent: Vec<_> = sent.into_iter().map(|(d, h, m)| at(d, h, m)).collect();
            let kind = kind.map(|k| OrderType::ALL[k]);
            let now = at(now.0, now.1, 0);
            if let Some(t) = r.next_time(now, &orders, kind, &sent) {
                let minute = t.hour() * 60 + t.minute();
                prop_assert!(t > now && t <= now + Duration::days(7));
                prop_assert!(r.open(minute, kind), "{t} is in rush or quiet hours");
                prop_assert!(r.quiet.iter().all(|w| !w.contains(minute)));
                let week = sent.iter().filter(|s| **s > t - Duration::days(7) && **s <= t).count();
                prop_assert!(week < r.week_cap as usize);
                prop_assert!(sent.iter().all(|s| (*s - t).abs() >= r.min_gap));
            }
        }
    }
}
