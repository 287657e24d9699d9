//! The server shell: the calculators as requests and responses, the JSON API and the web pages.

pub mod calc;
