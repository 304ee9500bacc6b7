//! Charts from fixture folders: each SVG must be well-formed XML holding
//! the title, the axis titles and the right number of series or bars; a
//! PNG must carry the PNG signature and the chart's size.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::canvas::{COLOURS, SIZE};
use super::*;
use crate::output::Manifest;

/// What an SVG holds: element counts by name, element counts by fill
/// colour, and every text.
struct Svg {
    elements: HashMap<String, usize>,
    fills: HashMap<String, usize>,
    texts: Vec<String>,
}

impl Svg {
    /// Parses `bytes`, failing the test on any XML error (unbalanced or
    /// misnamed end tags, bad attributes, bad escapes).
    fn parse(bytes: &[u8]) -> Svg {
        use quick_xml::events::Event;
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        let mut r = quick_xml::Reader::from_str(text);
        let mut svg = Svg {
            elements: HashMap::new(),
            fills: HashMap::new(),
            texts: Vec::new(),
        };
        loop {
            match r.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    *svg.elements.entry(name.clone()).or_default() += 1;
                    for a in e.attributes() {
                        let a = a.expect("a well-formed attribute");
                        let k = a.key.as_ref();
                        if k == b"fill" || k == b"stroke" {
                            let v = String::from_utf8_lossy(&a.value).to_uppercase();
                            let k = String::from_utf8_lossy(k);
                            *svg.fills.entry(format!("{name} {k} {v}")).or_default() += 1;
                        }
                    }
                }
                Event::Text(t) => {
                    let s = String::from_utf8_lossy(&t).trim().to_string();
                    if !s.is_empty() {
                        svg.texts.push(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(svg.elements.get("svg"), Some(&1), "one svg root");
        svg
    }

    fn count(&self, element: &str) -> usize {
        self.elements.get(element).copied().unwrap_or(0)
    }

    /// `element`s filled with `colour` (`#1F5EA8`).
    fn filled(&self, element: &str, colour: RGBColour) -> usize {
        self.painted(element, "fill", colour)
    }

    /// `element`s whose `attr` (`fill`, `stroke`) is `colour`.
    fn painted(&self, element: &str, attr: &str, colour: RGBColour) -> usize {
        let (r, g, b) = (colour.0, colour.1, colour.2);
        let key = format!("{element} {attr} #{r:02X}{g:02X}{b:02X}");
        self.fills.get(&key).copied().unwrap_or(0)
    }

    fn has_text(&self, needle: &str) -> bool {
        self.texts.iter().any(|t| t.contains(needle))
    }
}

type RGBColour = plotters::style::RGBColor;

/// A run folder of the aggregate fixture (shortfall, price, total_cost
/// over three months), values mapped by `value`.
fn run(dir: &Path, value: impl Fn(f64) -> f64) -> PathBuf {
    let m = Manifest {
        version: crate::output::CRATE_VERSION.into(),
        scenario: "fixture.toml".into(),
        scenario_hash: "sha256:abc".into(),
        seed: 1,
        trials: 40,
        trial_start: 0,
        trial_end: 40,
        sampling: "random".into(),
        deterministic: false,
        started: "2026-01-01T00:00:00Z".into(),
        wall_seconds: 1.0,
        threads: 1,
        command: vec![],
        headline: vec![],
        overrides: vec![],
        merged_from: vec![],
        shard: None,
    };
    crate::output::fixture::write_run(dir, 0..40, false, value, &m);
    dir.to_path_buf()
}

fn request(run: &Path) -> Request {
    Request {
        run: run.to_path_buf(),
        ..Default::default()
    }
}

fn svg_of(path: &Path) -> Svg {
    Svg::parse(&std::fs::read(path).unwrap())
}

#[test]
fn a_fan_chart_is_valid_svg_with_title_axes_and_one_fan_per_run() {
    let root = tempfile::tempdir().unwrap();
    let a = run(&root.path().join("base"), |v| v);
    let b = run(&root.path().join("ban"), |v| v * 2.0);
    let req = Request {
        metric: Some("price".into()),
        ..request(&a)
    };
    let path = plot(&req).unwrap();
    assert_eq!(path, a.join("plot-fan-price-oil-israel.svg"));
    let one = svg_of(&path);
    assert!(one.has_text("price oil israel: base"), "{:?}", one.texts);
    assert!(one.has_text("price (USD/bbl)"), "{:?}", one.texts);
    assert!(one.has_text("period (month of the horizon)"));
    assert!(
        one.has_text("2026-01") && one.has_text("2026-03"),
        "{:?}",
        one.texts
    );
    assert!(one.has_text("base: median"));
    // Two bands (p05-p95, p25-p75) per run, and a median and a mean line,
    // each with its legend mark.
    let two = svg_of(
        &plot(&Request {
            against: Some(b.clone()),
            ..req.clone()
        })
        .unwrap(),
    );
    assert!(
        two.has_text("price oil israel: base vs ban"),
        "{:?}",
        two.texts
    );
    assert!(two.has_text("ban: p25-p75"));
    assert_eq!(two.count("polygon"), 2 * one.count("polygon"));
    assert_eq!(one.count("polygon"), 2);
    let lines = |s: &Svg, c: usize| s.painted("polyline", "stroke", COLOURS[c]);
    assert_eq!(
        lines(&one, 0),
        4,
        "a median, a mean and their two legend marks"
    );
    assert_eq!((lines(&one, 1), lines(&two, 0), lines(&two, 1)), (0, 4, 4));
    // No temporary file is left beside the chart.
    let left: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_png_has_the_signature_and_the_chart_size() {
    let root = tempfile::tempdir().unwrap();
    let a = run(&root.path().join("a"), |v| v);
    let out = root.path().join("charts").join("price.png");
    let path = plot(&Request {
        metric: Some("price".into()),
        format: Format::Png,
        out: Some(out.clone()),
        ..request(&a)
    })
    .unwrap();
    assert_eq!(path, out);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), SIZE);
    // Text was drawn: the picture is not only background and lines.
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
    // An existing --out is replaced only with force.
    let again = plot(&Request {
        metric: Some("price".into()),
        format: Format::Png,
        out: Some(out.clone()),
        ..request(&a)
    })
    .unwrap_err();
    assert!(format!("{again:#}").contains("--force"), "{again:#}");
}

/// A summary with only the columns the flow chart reads: three corridors
/// of oil and one of rare earths.
fn flows_run(dir: &Path, scale: f64) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from("metric,commodity,key,unit,period,n,mean,p05,p25,p50,p75,p95\n");
    for (c, k, u, v) in [
        ("oil", "middle", "bbl", 1.2e6),
        ("oil", "northern", "bbl", 3.4e7),
        ("oil", "southern", "bbl", 5.0e6),
        ("rare_earths", "middle", "t", 800.0),
    ] {
        for p in ["2026-01", "horizon"] {
            let m = v * scale;
            csv.push_str(&format!(
                "corridor_flow,{c},{k},{u},{p},10,{m},{},{},{m},{},{}\n",
                m * 0.8,
                m * 0.9,
                m * 1.1,
                m * 1.2
            ));
        }
    }
    std::fs::write(dir.join(SUMMARY_FILE), csv).unwrap();
    dir.to_path_buf()
}

#[test]
fn flow_bars_one_per_corridor_and_run_never_mixing_units() {
    let root = tempfile::tempdir().unwrap();
    let a = flows_run(&root.path().join("a"), 1.0);
    let b = flows_run(&root.path().join("b"), 0.5);
    let mixed = plot(&Request {
        kind: Kind::Flows,
        ..request(&a)
    })
    .unwrap_err();
    assert!(
        format!("{mixed:#}").contains("pick a commodity with --commodity (oil, rare_earths)"),
        "{mixed:#}"
    );
    let req = Request {
        kind: Kind::Flows,
        commodity: Some("oil".into()),
        against: Some(b),
        ..request(&a)
    };
    let svg = svg_of(&plot(&req).unwrap());
    assert!(
        svg.has_text("corridor flow oil over the horizon"),
        "{:?}",
        svg.texts
    );
    assert!(svg.has_text("corridor flow (bbl)"), "{:?}", svg.texts);
    for k in ["middle", "northern", "southern"] {
        assert!(svg.has_text(k), "{k}: {:?}", svg.texts);
    }
    // Three bars per run, plus one legend mark each.
    assert_eq!(svg.filled("rect", COLOURS[0]), 4);
    assert_eq!(svg.filled("rect", COLOURS[1]), 4);
    // Plain numbers on the axis: no scientific notation.
    assert!(
        svg.texts
            .iter()
            .all(|t| !t.contains("e+") && !t.contains("e7")),
        "{:?}",
        svg.texts
    );
}

#[test]
fn a_tornado_from_a_sensitivity_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sens");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from(
        "metric,commodity,key,unit,input,spearman,prcc,p10_mean,p90_mean,swing,sobol_first,sobol_first_lo,sobol_first_hi,sobol_total,sobol_total_lo,sobol_total_hi\n",
    );
    let inputs: [(&str, f64, f64, f64); 4] = [
        ("policies.ban.duration_months", 0.71, 100.0, 900.0),
        ("supply.kz.capacity", -0.35, 600.0, 300.0),
        ("legs.cpc.capacity", 0.05, 480.0, 520.0),
        ("demand.us.quantity", 0.2, 400.0, 600.0),
    ];
    for (input, rho, p10, p90) in inputs {
        csv.push_str(&format!(
            "shortfall,rare_earths,US,t,{input},{rho},{rho},{p10},{p90},{},0.1,0.0,0.2,0.2,0.1,0.3\n",
            (p90 - p10).abs()
        ));
    }
    csv.push_str(
        "price,oil,IL,USD/bbl,legs.cpc.capacity,-0.5,-0.5,90,80,10,0.3,0.2,0.4,0.3,0.2,0.4\n",
    );
    std::fs::write(dir.join(SENSITIVITY_FILE), csv).unwrap();
    let two = plot(&request(&dir)).unwrap_err();
    assert!(
        format!("{two:#}").contains("--metric is required"),
        "{two:#}"
    );
    let typo = plot(&Request {
        metric: Some("shortfal".into()),
        ..request(&dir)
    })
    .unwrap_err();
    assert!(
        format!("{typo:#}").contains("did you mean `shortfall`?"),
        "{typo:#}"
    );
    let path = plot(&Request {
        metric: Some("shortfall".into()),
        ..request(&dir)
    })
    .unwrap();
    assert_eq!(path, dir.join("plot-tornado-shortfall-rare_earths-US.svg"));
    let svg = svg_of(&path);
    assert!(
        svg.has_text("What drives shortfall rare_earths US"),
        "{:?}",
        svg.texts
    );
    assert!(svg.has_text("mean shortfall (t)"));
    assert!(
        svg.has_text("policies.ban.duration_months (rho +0.71)"),
        "{:?}",
        svg.texts
    );
    // Three inputs rise with the metric, one falls: bars plus a legend mark.
    assert_eq!(svg.filled("rect", COLOURS[0]), 3 + 1);
    assert_eq!(svg.filled("rect", COLOURS[1]), 1 + 1);
}

#[test]
fn a_sweep_curve_per_combination_of_the_other_fields() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sweep");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from(
        "policies.ban.duration_months,legs.cpc.capacity,point,metric,commodity,key,unit,mean,p05,p50,p95,diff_mean,diff_lo,diff_hi\n",
    );
    let mut point = 0;
    for cap in ["1000", "2000"] {
        for d in [6.0, 12.0, 24.0] {
            let diff = if point == 0 { 0.0 } else { 50.0 * d };
            csv.push_str(&format!(
                "{d},{cap},{point},shortfall,rare_earths,US,t,{},0,{},0,{diff},{},{}\n",
                100.0 + diff,
                100.0 + diff,
                diff - 10.0,
                diff + 10.0
            ));
            point += 1;
        }
    }
    std::fs::write(dir.join(SWEEP_FILE), csv).unwrap();
    let svg = svg_of(&plot(&request(&dir)).unwrap());
    assert!(
        svg.has_text(
            "shortfall rare_earths US: change against policies.ban.duration_months = 6 (95% CI)"
        ),
        "{:?}",
        svg.texts
    );
    assert!(svg.has_text("change in shortfall (t)"));
    assert!(
        svg.has_text("legs.cpc.capacity=1000: 95% CI") && svg.has_text("legs.cpc.capacity=2000")
    );
    assert_eq!(svg.count("polygon"), 2, "one band per curve");
    assert_eq!(
        svg.filled("circle", COLOURS[0]),
        3,
        "three grid points per curve"
    );
    assert_eq!(svg.filled("circle", COLOURS[1]), 3);
}

#[test]
fn bad_requests_are_usage_errors_and_names_stay_in_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let a = run(&root.path().join("a"), |v| v);
    let exit = |e: anyhow::Error| crate::error::exit_code(&e);
    let none = plot(&request(&a)).unwrap_err();
    assert!(
        format!("{none:#}").contains("--metric is required"),
        "{none:#}"
    );
    assert_eq!(exit(none), crate::error::EXIT_INVALID);
    let key = plot(&Request {
        metric: Some("price".into()),
        key: Some("israle".into()),
        ..request(&a)
    })
    .unwrap_err();
    assert!(
        format!("{key:#}").contains("did you mean `israel`?"),
        "{key:#}"
    );
    let not_run = plot(&request(root.path())).unwrap_err();
    assert_eq!(exit(not_run), crate::error::EXIT_INVALID);
    // A key with path characters still names a file inside the folder.
    let dir = root.path().join("f");
    flows_run(&dir, 1.0);
    let csv = std::fs::read_to_string(dir.join(SUMMARY_FILE))
        .unwrap()
        .replace("middle", "../../x/y");
    std::fs::write(dir.join(SUMMARY_FILE), csv).unwrap();
    let path = plot(&Request {
        kind: Kind::Flows,
        commodity: Some("rare_earths".into()),
        key: Some("../../x/y".into()),
        ..request(&dir)
    })
    .unwrap();
    assert_eq!(path.parent(), Some(dir.as_path()), "{}", path.display());
    assert_eq!(
        path.file_name().unwrap(),
        "plot-flows-corridor_flow-rare_earths-.._.._x_y.svg"
    );
}
