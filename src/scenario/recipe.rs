//! The two list forms of issue #18: a processing plant's recipe (several
//! inputs and outputs per unit of activity) and a policy's `commodity`
//! given as one id or a list of ids. The syntax types live here with the
//! one normal form each is read through, so validation and the compiler
//! never look at which form a file used. (The normal form's fields are
//! `pub(crate)`: `tests/docs.rs` reads every `pub` field here as a key of
//! the scenario language.)

use super::schema::Processing;
use super::span::Sp;
use serde::{Deserialize, Serialize};

/// One commodity of a recipe and its amount per unit of activity.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeItem {
    /// The commodity consumed or produced.
    pub commodity: Sp<String>,
    /// Units per unit of activity (a plain number: the LP matrix is the
    /// same in every trial, so it cannot be sampled).
    pub amount: Sp<f64>,
}

/// One commodity in a plant's normal form.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// The field it was written in (`input`, `inputs`, `output`, `outputs`),
    /// for messages.
    pub(crate) field: &'static str,
    /// The commodity id, with where it was written.
    pub(crate) commodity: &'a Sp<String>,
    /// Units per unit of activity.
    pub(crate) amount: f64,
}

/// A plant's recipe in its normal form: what one unit of activity takes
/// and gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe<'a> {
    /// Commodities consumed.
    pub(crate) inputs: Vec<Item<'a>>,
    /// Commodities produced.
    pub(crate) outputs: Vec<Item<'a>>,
}

/// The recipe of `p`. The shorthand `input`, `output`, `yield` is one unit
/// of output per unit of activity taking `1 / yield` of the input, the
/// column plants have always had. `None` when the plant mixes the two forms
/// or lacks a side (validation reports it).
pub fn recipe(p: &Processing) -> Option<Recipe<'_>> {
    let short = p.input.is_some() || p.output.is_some() || p.yield_.is_some();
    let long = p.inputs.is_some() || p.outputs.is_some();
    if short && long {
        return None;
    }
    if long {
        return Some(Recipe {
            inputs: items("inputs", p.inputs.as_ref()?),
            outputs: items("outputs", p.outputs.as_ref()?),
        });
    }
    let y = p.yield_.as_ref().map_or(1.0, |y| y.value);
    Some(Recipe {
        inputs: vec![Item {
            field: "input",
            commodity: p.input.as_ref()?,
            amount: 1.0 / y,
        }],
        outputs: vec![Item {
            field: "output",
            commodity: p.output.as_ref()?,
            amount: 1.0,
        }],
    })
}

/// A recipe list in normal form.
fn items<'a>(field: &'static str, v: &'a Sp<Vec<Sp<RecipeItem>>>) -> Vec<Item<'a>> {
    v.value
        .iter()
        .map(|i| Item {
            field,
            commodity: &i.commodity,
            amount: i.amount.value,
        })
        .collect()
}

/// Every commodity a plant names, in file order, with its field: for
/// reference checks, whatever the form (mixed forms included).
pub fn named_commodities(p: &Processing) -> Vec<(&'static str, &Sp<String>)> {
    let mut out: Vec<(&'static str, &Sp<String>)> = Vec::new();
    out.extend(p.input.iter().map(|c| ("input", c)));
    out.extend(p.output.iter().map(|c| ("output", c)));
    for (field, list) in [("inputs", &p.inputs), ("outputs", &p.outputs)] {
        out.extend(
            list.iter()
                .flat_map(|v| &v.value)
                .map(|i| (field, &i.commodity)),
        );
    }
    out
}

/// A policy's `commodity`: one id, or a list of ids (an element group and
/// the products made from it, under one export control).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// `commodity = "oil"`.
    One(String),
    /// `commodity = ["heavy_ree", "ndfeb_magnets"]`.
    Many(Vec<Sp<String>>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a commodity id or a list of them, e.g. \"oil\" or [\"heavy_ree\", \"ndfeb_magnets\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            // Each element through `Sp` keeps its own location (an untagged
            // enum would buffer the value and lose it).
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(id) = seq.next_element::<Sp<String>>()? {
                    out.push(id);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The ids of an optional `commodity` field, each with its location (the
/// single form's is the field's). Empty when the field is absent.
pub fn ids(v: &Option<Sp<OneOrMany>>) -> Vec<Sp<String>> {
    match v.as_ref().map(|v| (v, &v.value)) {
        None => Vec::new(),
        Some((whole, OneOrMany::One(id))) => vec![Sp {
            value: id.clone(),
            span: whole.span.clone(),
            file: whole.file,
        }],
        Some((_, OneOrMany::Many(list))) => list.clone(),
    }
}

/// Whether the field is a list (of any length).
pub fn is_list(v: &Option<Sp<OneOrMany>>) -> bool {
    matches!(v.as_ref().map(|v| &v.value), Some(OneOrMany::Many(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::fixture::with;
    use crate::scenario::load_str;

    #[test]
    fn the_shorthand_is_one_unit_of_output_per_unit_of_activity() {
        let s = load_str(&with("[[commodities]]\nid = \"crude\"\nunit = \"kt\"\nreference_price = 1\n[[processing]]\nid = \"r\"\nregion = \"KZ\"\ninput = \"crude\"\noutput = \"oil\"\ncapacity = 1\ncost = 1\nyield = 0.8\n")).unwrap();
        let r = recipe(&s.file.processing[0]).unwrap();
        let amounts = |v: &[Item]| {
            v.iter()
                .map(|i| (i.field, i.commodity.value.clone(), i.amount))
                .collect::<Vec<_>>()
        };
        assert_eq!(amounts(&r.inputs), [("input", "crude".into(), 1.0 / 0.8)]);
        assert_eq!(amounts(&r.outputs), [("output", "oil".into(), 1.0)]);
    }

    #[test]
    fn a_policy_commodity_is_one_id_or_a_list_each_with_its_location() {
        let text = with("[[commodities]]\nid = \"gas\"\nunit = \"t\"\nreference_price = 1\n[[policies]]\nid = \"p\"\ntype = \"tariff\"\nimporter = \"CN\"\ncommodity = [\"oil\", \"gas\"]\nper_unit = 1\n[[policies]]\nid = \"q\"\ntype = \"tariff\"\nimporter = \"CN\"\ncommodity = \"oil\"\nper_unit = 1\n");
        let s = load_str(&text).unwrap();
        let (p, q) = (&s.file.policies[0], &s.file.policies[1]);
        let list = ids(&p.commodity);
        assert_eq!(
            list.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(),
            ["oil", "gas"]
        );
        assert_eq!(&text[list[1].span.clone()], "\"gas\"");
        assert!(is_list(&p.commodity) && !is_list(&q.commodity));
        let one = ids(&q.commodity);
        assert_eq!(&text[one[0].span.clone()], "\"oil\"");
    }
}
