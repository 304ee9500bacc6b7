//! Plain notation for numbers a person reads: the run summary, `compare`'s
//! table and chart labels. Never scientific notation: four significant
//! digits, thousands grouped with commas (`1,376,200`), and from a billion
//! up a word for the scale (`4.50 billion`), which reads on a slide where
//! `4.5e9` does not. The CSV files keep full precision; these strings are
//! only for reading.

/// Significant digits shown.
const DIGITS: i32 = 4;

/// `x` in plain notation: `1,376,200`, `12.35`, `0.001235`, `-2.5`,
/// `4.50 billion`; `-` for a missing or undefined value.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    const SCALES: [(f64, &str); 3] = [(1e15, "quadrillion"), (1e12, "trillion"), (1e9, "billion")];
    if let Some(&(scale, word)) = SCALES.iter().find(|(s, _)| mag >= *s) {
        let v = mag / scale;
        // Beyond a thousand quadrillion, group the multiple of a quadrillion.
        let text = if v >= 999.5 {
            grouped(v.round())
        } else {
            fixed(v, DIGITS)
        };
        return format!("{sign}{text} {word}");
    }
    if mag >= 999.5 {
        // Whole numbers keep every digit up to a billion: `1,376,200`.
        return format!("{sign}{}", grouped(mag.round()));
    }
    match fixed(mag, DIGITS) {
        zero if zero == "0" => zero,
        text => format!("{sign}{text}"),
    }
}

/// `x` with its unit: `1,376,200 t`, `82.50 USD/bbl`; a share unit
/// (`share`, `fraction`) shows as a percentage (`35.0%`).
pub fn with_unit(x: f64, unit: &str) -> String {
    if is_share(unit) && x.is_finite() {
        return format!("{}%", fixed_or_zero(x * 100.0, 3));
    }
    let n = number(x);
    if unit.is_empty() || n == "-" {
        n
    } else {
        format!("{n} {unit}")
    }
}

/// Whether values of `unit` are fractions of one (shown as percentages).
pub fn is_share(unit: &str) -> bool {
    matches!(unit, "share" | "fraction" | "ratio")
}

/// A change relative to a base as a signed percentage (`+12.3%`, `-100%`);
/// `-` when the base is zero or either value is undefined.
pub fn percent_change(base: f64, new: f64) -> String {
    if !(base.is_finite() && new.is_finite()) || base == 0.0 {
        return "-".into();
    }
    let p = (new - base) / base.abs() * 100.0;
    let sign = if p > 0.0 { "+" } else { "" };
    let text = if p.abs() >= 1000.0 {
        grouped(p.round())
    } else {
        fixed_or_zero(p, 3)
    };
    format!("{sign}{text}%")
}

/// Rows of cells as aligned lines: the first column left-aligned, the
/// others right-aligned, two spaces apart (so a reader can split them on
/// two spaces); also each column's width.
pub fn align<R: AsRef<[String]>>(rows: &[R]) -> (Vec<String>, Vec<usize>) {
    let n = rows.first().map_or(0, |r| r.as_ref().len());
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            let width = |r: &R| r.as_ref().get(c).map_or(0, |v| v.chars().count());
            rows.iter().map(width).max().unwrap_or(0)
        })
        .collect();
    let lines = rows
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (c, v) in row.as_ref().iter().enumerate() {
                if c == 0 {
                    line.push_str(&format!("{v:<w$}", w = widths[0]));
                } else {
                    line.push_str(&format!("  {v:>w$}", w = widths[c]));
                }
            }
            line.trim_end().to_string()
        })
        .collect();
    (lines, widths)
}

fn fixed_or_zero(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{}", fixed(x.abs(), digits))
}

/// A positive `v` with `digits` significant digits in fixed notation (at
/// most 9 decimals: smaller values show as zeros), trailing zeros kept, as
/// they carry precision.
fn fixed(v: f64, digits: i32) -> String {
    // The exponent after rounding to `digits` significant digits, so that
    // 9.99996 becomes 10.00, not 10.000.
    let sci = format!("{:.*e}", (digits - 1) as usize, v);
    let exp: i32 = sci
        .split_once('e')
        .map_or(0, |(_, e)| e.parse().unwrap_or(0));
    let decimals = (digits - 1 - exp).clamp(0, 9) as usize;
    let text = format!("{v:.decimals$}");
    // Below a billionth nothing is left to show (rounding noise in a
    // difference): say 0, not 0.000000000.
    if text.bytes().all(|b| b == b'0' || b == b'.') {
        "0".into()
    } else {
        text
    }
}

/// A whole number with commas every three digits.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers() {
        assert_eq!(number(1_376_200.0), "1,376,200");
        assert_eq!(number(1_376_249.6), "1,376,250");
        assert_eq!(number(999.7), "1,000");
        assert_eq!(number(1234.5678), "1,235");
        assert_eq!(number(123.45678), "123.5");
        assert_eq!(number(12.345678), "12.35");
        assert_eq!(number(2.5), "2.500");
        assert_eq!(number(-2.5), "-2.500");
        assert_eq!(number(0.012345), "0.01235");
        assert_eq!(number(9.99996), "10.00");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "-");
        assert_eq!(number(4.5e9), "4.500 billion");
        assert_eq!(number(-1.3762e12), "-1.376 trillion");
        assert_eq!(number(2.0e18), "2,000 quadrillion");
        assert_eq!(number(1e-12), "0");
        assert_eq!(number(-1e-12), "0");
        assert_eq!(number(1e-9), "0.000000001");
        for x in [1.3762e6, 4.5e12, 3.3e-5, 7.0e20, -8.1e9, 0.1] {
            let s = number(x);
            assert!(!s.contains('e'), "{x}: {s}");
        }
    }

    #[test]
    fn units_and_changes() {
        assert_eq!(with_unit(1_376_200.0, "t"), "1,376,200 t");
        assert_eq!(with_unit(82.5, "USD/bbl"), "82.50 USD/bbl");
        assert_eq!(with_unit(0.35, "share"), "35.0%");
        assert_eq!(with_unit(f64::NAN, "t"), "-");
        assert_eq!(percent_change(100.0, 112.34), "+12.3%");
        assert_eq!(percent_change(100.0, 0.0), "-100%");
        assert_eq!(percent_change(1.0, 300.0), "+29,900%");
        assert_eq!(percent_change(0.0, 3.0), "-");
    }
}
