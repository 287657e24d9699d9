//! The money that comes in: most enrolled workers pay each month in
//! full, some late, some only part, and some stop after a few months (they lapse).

use super::cast::DemoWorker;
use anyhow::Context;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::YearMonth;
use flexpension_store::Store;
use flexpension_testkit::unit;

/// How a worker pays, drawn once per worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    /// Each month, in full, in the month.
    OnTime,
    /// Two months at once, every other month.
    Late,
    /// Each month, 40-90% of what is due.
    Partly,
    /// In full for `n` months, then nothing.
    Stops(usize),
}

pub fn habit(seed: u64, key: u64) -> Habit {
    let r = unit(seed, key, 20);
    if r < 0.70 {
        Habit::OnTime
    } else if r < 0.80 {
        Habit::Late
    } else if r < 0.88 {
        Habit::Partly
    } else {
        Habit::Stops(2 + (unit(seed, key, 21) * 4.0) as usize)
    }
}

/// Counts of what the payment phase did.
#[derive(Default)]
pub struct Paid {
    pub payments: u64,
    pub amount_fen: i64,
    pub by_habit: [u64; 4],
}

/// Record the enrolled workers' payments, `tasks` workers at a time. References are
/// (month index × 10 + part), unique per worker, so the run is idempotent.
pub async fn pay_all(store: &Store, workers: &[DemoWorker], seed: u64, lapse: u32, tasks: usize) -> anyhow::Result<Paid> {
    let enrolled: Vec<(u64, String)> =
        workers.iter().filter(|w| w.pension_from.is_some()).map(|w| (w.sim_index as u64, w.id_number.clone())).collect();
    let chunk = enrolled.len().div_ceil(tasks.max(1)).max(1);
    let mut set = tokio::task::JoinSet::new();
    for part in enrolled.chunks(chunk) {
        let (store, part) = (store.clone(), part.to_vec());
        set.spawn(async move {
            let mut paid = Paid::default();
            for (key, id_number) in part {
                pay_worker(&store, key, &id_number, seed, lapse, &mut paid).await?;
            }
            anyhow::Ok(paid)
        });
    }
    let mut total = Paid::default();
    while let Some(r) = set.join_next().await {
        let p = r.context("a payment task panicked")??;
        total.payments += p.payments;
        total.amount_fen += p.amount_fen;
        for (t, n) in total.by_habit.iter_mut().zip(p.by_habit) {
            *t += n;
        }
    }
    Ok(total)
}

async fn pay_worker(store: &Store, key: u64, id_number: &str, seed: u64, lapse: u32, paid: &mut Paid) -> anyhow::Result<()> {
    let w = store.find_worker(id_number).await?.context("a demo worker is not registered")?;
    let st = store.worker_statement(w.id, lapse).await?;
    let habit = habit(seed, key);
    paid.by_habit[match habit {
        Habit::OnTime => 0,
        Habit::Late => 1,
        Habit::Partly => 2,
        Habit::Stops(_) => 3,
    }] += 1;
    // What is still owed: a platform's share under a collective contract is paid already.
    let due: Vec<(YearMonth, i64)> = st.months.iter().filter(|m| m.due_fen > 0).map(|m| (m.month, m.due_fen)).collect();
    let mut pay = |period: YearMonth, amount_fen: i64, reference: i64| {
        let p = Payment { worker: w.id, payer: Payer::SelfPaid, reference, amount_fen, period };
        paid.payments += 1;
        paid.amount_fen += amount_fen;
        p
    };
    let mut payments = Vec::new();
    for (k, &(month, net)) in due.iter().enumerate() {
        let reference = month.index() * 10;
        match habit {
            Habit::OnTime => payments.push(pay(month, net, reference)),
            Habit::Stops(n) if k < n => payments.push(pay(month, net, reference)),
            Habit::Stops(_) => {}
            Habit::Partly => {
                let share = 0.4 + unit(seed, key, 30 + k as u64) * 0.5;
                payments.push(pay(month, ((net as f64) * share).round() as i64, reference));
            }
            // Pays the odd month together with the next one, a month late.
            Habit::Late if k % 2 == 1 => {
                let both = net + due[k - 1].1;
                payments.push(pay(month.add_months(1).unwrap_or(month), both, reference));
            }
            Habit::Late => {}
        }
    }
    for p in payments.iter().filter(|p| p.amount_fen > 0) {
        store.pay(p).await.with_context(|| format!("recording a payment for {}", p.period))?;
    }
    Ok(())
}
