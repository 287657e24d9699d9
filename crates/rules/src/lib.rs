//! The pure rules core of flexpension: dated, sourced parameters and the calculators of the
//! contribution, the pension and the deadlines. No I/O, no clock: dates come in as arguments.
//!
//! | module | what |
//! |---|---|
//! | `checkdigit` | Check digits of the resident ID number (GB 11643, ISO 7064 MOD 11-2) and the unified social credit code (GB 32100) |
//! | `complaint` | Complaints (一键维权): kinds, states and who may move them, the platform's 72-hour response deadline, upload limits checked by content |
//! | `credit` | Platform credit rating (信用评价): insured share, grade, years under the floor, the sanctions list |
//! | `contribution` | A month's contribution: base, rate, split, subsidy, net cost and burden |
//! | `estimate` | The worker's question "what would I get?": a pension estimate in today's money from a base and a number of years |
//! | `explain` | Every calculation returns its value with an explanation: plain steps in Chinese and English |
//! | `injury` | Per-order injury premium (职业伤害保障·接单缴费): the platform pays a benchmark amount for every completed order |
//! | `monitor` | Risk monitoring (风险监测): uninsured but working, lapsed, about to lapse, income interrupted, short of years |
//! | `money` | Exact amounts: money in integer fen, decimals as integers in millionths |
//! | `names` | Plain names of the parameters, for explanations: the `params` screen of the text catalogue (`flexpension-text`) |
//! | `params` | The rule data: dated, sourced parameters read from `params/`, checked when loaded |
//! | `platform_bill` | When a platform's monthly bill falls due (a region parameter) and which of its months are overdue |
//! | `pension` | The monthly pension at retirement: basic pension plus personal-account pension, the annuity divisor |
//! | `retirement` | Statutory retirement month under the 2025 reform, the earliest flexible retirement |
//! | `time` | Contribution months and ages in years and months |
//! | `transfer` | Cross-region transfer (转移接续, 国办发〔2009〕66号): the funds that move, the benefit place, the temporary account, the statutory deadlines, and the transfer's states (`transfer::state`) |
//! | `variant` | Policy variants without editing files: `--set subsidy.share=0.5` replaces one value of a policy for one run |
//! | `workdays` | Working days under the official holiday calendar: off days and make-up working days, not plain Monday to Friday |

pub mod checkdigit;
pub mod complaint;
pub mod contribution;
pub mod credit;
pub mod estimate;
pub mod explain;
pub mod fund;
pub mod injury;
pub mod kiosk;
pub mod money;
pub mod monitor;
pub mod names;
pub mod params;
pub mod pension;
pub mod platform_bill;
pub mod retirement;
pub mod savings;
pub mod time;
pub mod transfer;
pub mod variant;
pub mod workdays;

pub use contribution::{BatchTotals, Contribution, ContributionError, ContributionInput, ContributionView, MonthRules};
pub use explain::{Explained, Explainer, Lang, ParamUse, Text};
pub use money::{Dec6, Fen, Rate};
pub use params::{Category, ParamError, Params, Scenario};
pub use time::{Age, YearMonth};
