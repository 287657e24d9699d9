//! Every text a person reads, in Chinese (the default) and English: the web pages, the
//! messages they show, the voucher PDF, the CLI's labels and the names of parameters.
//!
//! | file (`catalogue/`) | screen |
//! |---|---|
//! | `common.toml` | words every page shares: the app's name, the language switch, 404 |
//! | `calculator.toml` | the worker's calculator page (`/`) and its results |
//! | `people.toml` | login, a worker's page (`/me`), the platform and officer listings |
//! | `analyst.toml` | the analysts' simulation page (`/analyst`) |
//! | `verify.toml` | the page a voucher's QR code opens (`/verify/voucher/{id}`) |
//! | `ratings.toml` | the public page of platforms' credit ratings (`/credit`) |
//! | `fit.toml` | the policy-fit profile's reasons and schemes (`outreach score`) |
//! | `inbox.toml` | the worker's inbox of notices and the awareness quiz (`/me`), their figures on the outreach console |
//! | `grid.toml` | the grid worker's alerts (`/grid`), the officer's alerts and access log |
//! | `rights.toml` | a worker's complaints (一键维权, `/me/complaints`) |
//! | `unionpage.toml` | the union federation on the worker's phone (`/me/union`) |
//! | `contracts.toml` | collective contracts on the consoles (`/platform/contracts`, `/officer/contracts`) and a platform's overdue bills |
//! | `transfers.toml` | the officer's queue of transfers between regions (`/officer/transfers`) and its refusal |
//! | `kiosk.toml` | the self-service terminal (智能自助终端, `/kiosk`) |
//! | `voucher.toml` | the labels printed on the voucher PDF |
//! | `cli.toml` | what `flexpension calc` prints |
//! | `params.toml` | plain names of the parameters, for explanations |
//!
//! A key is `screen.name`: `calculator.f_income` is the entry `[f_income]` of
//! `calculator.toml`. Each entry has `zh` and `en`; `{name}` in a text is a placeholder that
//! [`Lang::f`] fills in. The files are compiled in, so the catalogue needs no file at run time.
//! Tests check that every entry has both languages with the same placeholders, and that every
//! key the code and templates name exists and every entry is used.
//!
//! This crate depends on no crate of the workspace, so the pure crates (rules, voucher) use it.

mod catalogue;
mod lang;

pub use catalogue::{Entry, SCREENS, entries, has};
pub use lang::Lang;
