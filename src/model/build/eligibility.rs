//! Eligibility: the `[[eligibility]]` lists compiled into the flows that
//! may never carry anything. A flow of commodity `k` into an importer that
//! has a list for `k` is ineligible when its route starts at a region not
//! on the list. It is part of the world, not a policy: the engine stages
//! these flows at zero in every period, the baseline that fractional
//! quotas are measured against included.

use super::network::Routes;
use super::{Builder, CompileError};

impl Builder<'_> {
    /// The flows (indices into `routes.flows`) no eligible seller ships,
    /// ascending.
    pub(super) fn ineligible(&self, routes: &Routes) -> Result<Vec<usize>, CompileError> {
        let mut lists = Vec::new();
        for e in &self.f.eligibility {
            let sellers = e
                .sellers
                .iter()
                .map(|s| self.region(s))
                .collect::<Result<Vec<_>, _>>()?;
            lists.push((
                self.region(&e.importer)?,
                self.commodity(&e.commodity)?,
                sellers,
            ));
        }
        Ok(routes
            .flows
            .iter()
            .enumerate()
            .filter(|(_, fl)| {
                let r = &routes.routes[fl.route];
                lists.iter().any(|(importer, k, sellers)| {
                    r.to == *importer && fl.commodity == *k && !sellers.contains(&r.from)
                })
            })
            .map(|(i, _)| i)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::compiled;
    use crate::scenario::fixture::with;

    /// A second seller, `RU`, with its own pipeline to `CN`.
    fn two_sellers(sellers: &str) -> String {
        let mut text = with(
            "[[regions]]\nid = \"RU\"\n\n[[legs]]\nid = \"ru_pipe\"\nfrom = \"RU\"\nto = \"CN\"\nmode = \"pipeline\"\ncapacity = 1000.0\ncost = 10.0\ncarries = [\"oil\"]\n\n[[routes]]\nid = \"ru_cn\"\nfrom = \"RU\"\nto = \"CN\"\nlegs = [\"ru_pipe\"]\ncorridor = \"northern\"\n",
        );
        if !sellers.is_empty() {
            text += &format!(
                "\n[[eligibility]]\nimporter = \"CN\"\ncommodity = \"oil\"\nsellers = [{sellers}]\n"
            );
        }
        text
    }

    #[test]
    fn flows_from_sellers_off_the_list_are_ineligible() {
        let m = compiled(&two_sellers("\"KZ\""));
        let ru = m.routes.iter().position(|r| r.id == "ru_cn").unwrap();
        let ru_flow = m.flows.iter().position(|f| f.route == ru).unwrap();
        assert_eq!(m.ineligible, [ru_flow]);
        assert!(compiled(&two_sellers("\"KZ\", \"RU\""))
            .ineligible
            .is_empty());
        assert!(compiled(&two_sellers("")).ineligible.is_empty());
    }
}
