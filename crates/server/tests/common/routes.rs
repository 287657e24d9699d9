//! The routes a router serves, read from its `Debug` form (axum has no other way to list them).
#![allow(dead_code)]

use flexpension_rules::Params;
use flexpension_server::AppState;
use std::collections::BTreeSet;
use std::sync::Arc;

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (method, path) of every route the server's router holds, read from its `Debug` form (axum has
/// no other way to list routes). Only the main path router: the fallback's own table is not routes.
pub fn served() -> BTreeSet<(String, String)> {
    let router = flexpension_server::router(AppState::new(Arc::new(Params::embedded().expect("params"))));
    let text = format!("{router:?}");
    let main = text.split("fallback_router:").next().expect("the path router");
    let (routes, node) = main.split_once("node: Node").expect("axum's Router Debug form: a node with the paths");
    let id = |s: &str| s.split(')').next().map(str::to_string);
    let paths: Vec<(String, String)> =
        node.split("RouteId(").skip(1).filter_map(|s| Some((id(s)?, s.split('"').nth(1)?.to_string()))).collect();
    let mut out = BTreeSet::new();
    for s in routes.split("RouteId(").skip(1) {
        let Some(route) = id(s) else { continue };
        let Some((_, path)) = paths.iter().find(|(i, _)| *i == route) else { continue };
        for m in METHODS {
            let endpoint = s.split(&format!(" {m}: ")).nth(1).and_then(|e| e.split([',', ' ']).next()).unwrap_or("None");
            if endpoint != "None" {
                out.insert((m.to_string(), path.clone()));
            }
        }
    }
    out
}
