//! What the trials that landed on each node did: per-node success rates with their Wilson
//! intervals, and the χ² test of whether outcome depends on the node.

use crate::stats;

/// Outcomes of the trials that landed on one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStats {
    pub node: usize,
    pub hits: usize,
    pub successes: usize,
    /// successes / hits; None for an empty node.
    pub success_rate: Option<f64>,
    /// Wilson 95% interval for the success rate; None for an empty node.
    pub ci: Option<(f64, f64)>,
}

/// Per-node hits, successes, success rate and Wilson 95% interval, for nodes `0..nodes`.
///
/// # Panics
/// When `assign` and `success` differ in length or a node index is ≥ `nodes`.
pub fn node_table(assign: &[usize], nodes: usize, success: &[bool]) -> Vec<NodeStats> {
    let counts = node_counts(assign, nodes, success);
    counts
        .iter()
        .enumerate()
        .map(|(node, &(hits, successes))| NodeStats {
            node,
            hits,
            successes,
            success_rate: (hits > 0).then(|| successes as f64 / hits as f64),
            ci: stats::wilson(successes as u64, hits as u64, 0.95),
        })
        .collect()
}

/// Pearson's χ² test of independence of node and outcome (success/failure), over the nodes with
/// at least one hit (`stats::chi_square_independence`). None when fewer than two nodes have
/// hits or every trial has the same outcome. With many sparse nodes the expected counts are
/// small: check `min_expected` before trusting a borderline p.
///
/// # Panics
/// As [`node_table`].
pub fn node_outcome_test(
    assign: &[usize],
    nodes: usize,
    success: &[bool],
) -> Option<stats::ChiSquareTest> {
    let table: Vec<Vec<u64>> = node_counts(assign, nodes, success)
        .into_iter()
        .filter(|&(hits, _)| hits > 0)
        .map(|(hits, s)| vec![s as u64, (hits - s) as u64])
        .collect();
    stats::chi_square_independence(&table)
}

/// (hits, successes) per node.
fn node_counts(assign: &[usize], nodes: usize, success: &[bool]) -> Vec<(usize, usize)> {
    assert_eq!(
        assign.len(),
        success.len(),
        "node assignments and outcomes differ in length"
    );
    let mut counts = vec![(0usize, 0usize); nodes];
    for (&node, &ok) in assign.iter().zip(success) {
        assert!(node < nodes, "node {node} out of range 0..{nodes}");
        counts[node].0 += 1;
        counts[node].1 += usize::from(ok);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::som::fixtures::{blobs, setup};
    use crate::analyze::som::{Som, SomConfig};
    use crate::rng;

    #[test]
    fn node_outcome_test_detects_blob_driven_success_only() {
        setup();
        let (data, label, _) = blobs(5);
        let som = Som::train(&data, &SomConfig::for_data(data.len(), 9));
        let assign = som.assign(&data);
        let by_blob: Vec<bool> = label.iter().map(|&b| b < 2).collect();
        let test = node_outcome_test(&assign, som.nodes(), &by_blob).unwrap();
        assert!(test.p_value < 1e-10, "{test:?}");
        let mut r = rng::stream(77, 0);
        let coin: Vec<bool> = (0..data.len())
            .map(|_| rng::uniform(&mut r) < 0.5)
            .collect();
        let test = node_outcome_test(&assign, som.nodes(), &coin).unwrap();
        assert!(test.p_value > 0.001, "{test:?}");
        // The table agrees with the assignment.
        let table = node_table(&assign, som.nodes(), &by_blob);
        assert_eq!(table.iter().map(|s| s.hits).sum::<usize>(), data.len());
        for s in &table {
            match s.success_rate {
                None => assert_eq!((s.hits, s.ci), (0, None)),
                Some(p) => {
                    let (lo, hi) = s.ci.unwrap();
                    assert!(lo <= p && p <= hi);
                    assert!(p == 0.0 || p == 1.0, "blob-pure node has rate {p}");
                }
            }
        }
    }

    #[test]
    fn outcome_regions_in_a_square() {
        setup();
        let mut r = rng::stream(8, 0);
        let data: Vec<Vec<f64>> = (0..1000)
            .map(|_| vec![rng::uniform(&mut r), rng::uniform(&mut r)])
            .collect();
        let success: Vec<bool> = data.iter().map(|x| x[0] > 0.3).collect();
        let som = Som::train(&data, &SomConfig::for_data_shaped(&data, 4));
        let assign = som.assign(&data);
        let table = node_table(&assign, som.nodes(), &success);
        let mut outside = 0;
        for s in table.iter().filter(|s| s.hits > 0) {
            let x = som.prototypes[s.node][0];
            let rate = s.success_rate.unwrap();
            if (x - 0.3).abs() > 0.1 {
                outside += 1;
                let expected = if x > 0.3 { 1.0 } else { 0.0 };
                assert_eq!(rate, expected, "node at x = {x}: rate {rate}");
            }
        }
        assert!(outside as f64 > 0.6 * som.nodes() as f64, "{outside}");
        let test = node_outcome_test(&assign, som.nodes(), &success).unwrap();
        assert!(test.p_value < 1e-10);
    }

    #[test]
    fn outcome_test_needs_two_nodes_with_hits() {
        assert!(node_outcome_test(&[0, 0], 4, &[true, false]).is_none());
    }
}
