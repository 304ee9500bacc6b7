//! Processing plants: one of the two forms (the shorthand `input`,
//! `output`, `yield`, or a recipe of `inputs` and `outputs`), each side
//! non-empty, amounts positive, no commodity twice in a list or on both
//! sides. Commodity ids are checked with the other references (`ids`).

use super::numbers::{check_number, check_opt_number, POSITIVE};
use super::Ctx;
use crate::scenario::recipe::{recipe, RecipeItem};
use crate::scenario::schema::Processing;
use crate::scenario::span::{Loc, Sp};
use crate::scenario::Diagnostic;
use std::collections::HashSet;

const EITHER: &str = "give either `input`, `output` and `yield` (one commodity in, one out) or `inputs` and `outputs` (a recipe per unit of activity, e.g. inputs = [{ commodity = \"ree_concentrate\", amount = 1.0 }])";

type List = Option<Sp<Vec<Sp<RecipeItem>>>>;

/// Every plant has one well-formed recipe.
pub(super) fn check_processing(cx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &cx.f.processing {
        let key = format!("processing.{}", p.id.value);
        if !one_form(out, &key, p) {
            continue;
        }
        check_opt_number(
            out,
            &format!("{key}.yield"),
            &p.yield_,
            POSITIVE,
            Some("output units per input unit, e.g. 0.9"),
        );
        for (field, list) in [("inputs", &p.inputs), ("outputs", &p.outputs)] {
            check_list(out, &key, field, list);
        }
        let Some(r) = recipe(p) else { continue };
        let outputs: HashSet<&str> = r.outputs.iter().map(|i| i.commodity.as_str()).collect();
        for i in r
            .inputs
            .iter()
            .filter(|i| outputs.contains(i.commodity.as_str()))
        {
            let c = &i.commodity.value;
            let message = if p.input.is_some() {
                format!("{key}: input and output are both `{c}`")
            } else {
                format!("{key}: `{c}` is both an input and an output")
            };
            out.push(Diagnostic::new(i.commodity.loc(), message).help(
                "a plant turns some commodities into others; net the two amounts into one side, e.g. input = \"re_concentrate\", output = \"rare_earths\"",
            ));
        }
    }
}

/// Exactly one form, with both of its sides; false (reported) otherwise.
fn one_form(out: &mut Vec<Diagnostic>, key: &str, p: &Sp<Processing>) -> bool {
    let list_loc = |v: &List| v.as_ref().map(Sp::loc);
    let short = [
        ("input", p.input.as_ref().map(Sp::loc)),
        ("output", p.output.as_ref().map(Sp::loc)),
        ("yield", p.yield_.as_ref().map(Sp::loc)),
    ];
    let long = [
        ("inputs", list_loc(&p.inputs)),
        ("outputs", list_loc(&p.outputs)),
    ];
    let first = |v: &[(&'static str, Option<Loc>)]| {
        v.iter()
            .find_map(|(f, l)| l.as_ref().map(|l| (*f, l.clone())))
    };
    match (first(&short), first(&long)) {
        (Some((s, _)), Some((l, loc))) => {
            out.push(
                Diagnostic::new(loc, format!("{key}: `{l}` cannot be combined with `{s}`"))
                    .help(EITHER),
            );
            false
        }
        (None, None) => {
            out.push(
                Diagnostic::new(p.id.loc(), format!("{key}: no inputs or outputs")).help(EITHER),
            );
            false
        }
        (Some((_, loc)), None) => pair(out, key, &short[..2], loc),
        (None, Some((_, loc))) => pair(out, key, &long, loc),
    }
}

/// Both fields of a form's pair are present; false (reported, at `first`
/// when neither is) otherwise.
fn pair(out: &mut Vec<Diagnostic>, key: &str, fields: &[(&str, Option<Loc>)], first: Loc) -> bool {
    let [(a, la), (b, lb)] = fields else {
        return true;
    };
    let (has, loc, missing) = match (la, lb) {
        (Some(_), Some(_)) => return true,
        (Some(l), None) => (a, l.clone(), b),
        (None, Some(l)) => (b, l.clone(), a),
        // Only `yield`: the shorthand's commodities are both missing.
        (None, None) => {
            out.push(
                Diagnostic::new(first, format!("{key}: `yield` needs `input` and `output`"))
                    .help(EITHER),
            );
            return false;
        }
    };
    out.push(
        Diagnostic::new(loc, format!("{key}: `{has}` needs `{missing}`")).help(match missing {
            &"input" | &"inputs" => "name what the plant consumes",
            _ => "name what the plant produces",
        }),
    );
    false
}

/// A recipe list: not empty, each commodity once, amounts positive.
fn check_list(out: &mut Vec<Diagnostic>, key: &str, field: &str, list: &List) {
    let Some(list) = list else { return };
    if list.value.is_empty() {
        out.push(
            Diagnostic::new(list.loc(), format!("{key}.{field}: the list is empty")).help(
                "give at least one commodity, e.g. [{ commodity = \"ndpr_oxide\", amount = 0.31 }]",
            ),
        );
    }
    let mut seen = HashSet::new();
    for item in &list.value {
        let c = &item.commodity.value;
        if !seen.insert(c.as_str()) {
            out.push(
                Diagnostic::new(
                    item.commodity.loc(),
                    format!("{key}.{field}: `{c}` is listed twice"),
                )
                .help("give each commodity once, with its whole amount per unit of activity"),
            );
        }
        check_number(
            out,
            &format!("{key}.{field}.{c}.amount"),
            &item.amount,
            POSITIVE,
            Some("units of the commodity per unit of the plant's activity, e.g. 0.31"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::fixture::{fails_with, problems, with};

    /// The fixture world with commodities `ore` and `gas` and plant `x`
    /// of these fields.
    fn plant(body: &str) -> String {
        with(&format!("[[commodities]]\nid = \"ore\"\nunit = \"t\"\nreference_price = 1\n[[commodities]]\nid = \"gas\"\nunit = \"t\"\nreference_price = 1\n[[processing]]\nid = \"x\"\nregion = \"KZ\"\ncapacity = 10\ncost = 1\n{body}"))
    }

    const IN: &str = "inputs = [{ commodity = \"ore\", amount = 1.0 }]\n";
    const OUT: &str = "outputs = [{ commodity = \"oil\", amount = 0.5 }, { commodity = \"gas\", amount = 0.2 }]\n";

    #[test]
    fn both_forms_are_valid() {
        assert_eq!(problems(&plant(&format!("{IN}{OUT}"))), []);
        assert_eq!(
            problems(&plant("input = \"ore\"\noutput = \"oil\"\nyield = 0.9\n")),
            []
        );
    }

    #[test]
    fn the_shorthand_yield_is_positive_and_input_and_output_differ() {
        fails_with(
            &plant("input = \"ore\"\noutput = \"oil\"\nyield = 0\n"),
            "processing.x.yield: must be above 0, found 0",
        );
        fails_with(
            &plant("input = \"oil\"\noutput = \"oil\"\n"),
            "processing.x: input and output are both `oil`",
        );
    }

    #[test]
    fn exactly_one_form_with_both_sides() {
        let d = fails_with(
            &plant(&format!("input = \"ore\"\n{IN}{OUT}")),
            "processing.x: `inputs` cannot be combined with `input`",
        );
        assert!(d
            .help
            .unwrap()
            .starts_with("give either `input`, `output` and `yield`"));
        fails_with(
            &plant(&format!("yield = 0.5\n{OUT}")),
            "processing.x: `outputs` cannot be combined with `yield`",
        );
        fails_with(&plant(""), "processing.x: no inputs or outputs");
        fails_with(&plant(IN), "processing.x: `inputs` needs `outputs`");
        fails_with(&plant(OUT), "processing.x: `outputs` needs `inputs`");
        fails_with(
            &plant("input = \"ore\"\n"),
            "processing.x: `input` needs `output`",
        );
        fails_with(
            &plant("output = \"ore\"\n"),
            "processing.x: `output` needs `input`",
        );
        fails_with(
            &plant("yield = 0.5\n"),
            "processing.x: `yield` needs `input` and `output`",
        );
    }

    #[test]
    fn a_recipe_list_is_not_empty_with_positive_finite_amounts() {
        fails_with(
            &plant(&format!("inputs = []\n{OUT}")),
            "processing.x.inputs: the list is empty",
        );
        fails_with(
            &plant(&format!("{IN}outputs = []\n")),
            "processing.x.outputs: the list is empty",
        );
        for (amount, found) in [
            ("0", "must be above 0, found 0"),
            ("-2", "must be above 0, found -2"),
            ("nan", "must be a finite number, found NaN"),
            ("inf", "must be a finite number, found inf"),
        ] {
            fails_with(
                &plant(&format!(
                    "inputs = [{{ commodity = \"ore\", amount = {amount} }}]\n{OUT}"
                )),
                &format!("processing.x.inputs.ore.amount: {found}"),
            );
        }
    }

    #[test]
    fn a_recipe_names_known_commodities_each_once_on_one_side() {
        let d = fails_with(
            &plant(&format!(
                "inputs = [{{ commodity = \"oree\", amount = 1 }}]\n{OUT}"
            )),
            "processing.x.inputs: unknown commodity `oree`",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `ore`?"));
        fails_with(
            &plant(&format!("inputs = [{{ commodity = \"ore\", amount = 1 }}, {{ commodity = \"ore\", amount = 2 }}]\n{OUT}")),
            "processing.x.inputs: `ore` is listed twice",
        );
        fails_with(
            &plant(&format!(
                "inputs = [{{ commodity = \"gas\", amount = 1 }}]\n{OUT}"
            )),
            "processing.x: `gas` is both an input and an output",
        );
        fails_with(
            &plant(&format!(
                "inputs = [{{ commodity = \"ore\", amount = 1, unit = \"t\" }}]\n{OUT}"
            )),
            "unknown field `unit`, expected `commodity` or `amount`",
        );
    }
}
