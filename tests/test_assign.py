"""``assign_pairs`` against scipy's ``linear_sum_assignment`` (the authority) and scipy's
``maximum_bipartite_matching`` (how many pairs a problem allows), on many small random
problems with forbidden entries, solved in one batch as the tracker hands them over."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

import kaminari.tracking.assign as assign_module
from kaminari.tracking.assign import assign_pairs

FORBIDDEN = 1e9
"""scipy's cost for a forbidden entry: above any total of allowed costs here (|cost| < 100,
at most 7 pairs), so that its optimum first uses as many allowed pairs as possible and then
has the least cost among those; 1e9 + 700 is still exact to 1e-7."""


def _random_problems(rng, n_problems, integer_costs=False):
    """Allowed pairs of ``n_problems`` problems of 1-7 rows and 1-7 columns, each entry
    allowed with a density drawn per problem, shuffled across problems, with group ids that
    are neither contiguous nor in order. Returns (group, row, col, cost) and per problem its
    id, shape and dense cost matrix (NaN: forbidden)."""
    groups, rows, cols, costs, dense = [], [], [], [], []
    ids = rng.choice(10 * n_problems, size=n_problems, replace=False)
    for gid in ids:
        n, m = rng.integers(1, 8, size=2)
        allowed = rng.random((n, m)) < rng.uniform(0.15, 1.0)
        if integer_costs:  # many ties
            c = rng.integers(-3, 4, size=(n, m)).astype(float)
        else:  # as the tracker's d^2 + ln det S: negative as well as positive
            c = rng.uniform(-30.0, 60.0, size=(n, m))
        r, k = np.nonzero(allowed)
        groups.append(np.full(r.size, gid))
        rows.append(r)
        cols.append(k)
        costs.append(c[r, k])
        dense.append((gid, np.where(allowed, c, np.nan)))
    group, row, col, cost = (np.concatenate(a) for a in (groups, rows, cols, costs))
    order = rng.permutation(group.size)
    return (group[order], row[order], col[order], cost[order]), dense


def _authority(mat):
    """(pairs, total cost) of the optimum by scipy: most allowed pairs, then least cost."""
    allowed = ~np.isnan(mat)
    if not allowed.any():
        return 0, 0.0
    r, c = linear_sum_assignment(np.where(allowed, mat, FORBIDDEN))
    keep = allowed[r, c]
    return int(keep.sum()), float(mat[r[keep], c[keep]].sum())


def _check_against_scipy(problem, dense):
    group, row, col, cost = problem
    chosen = assign_pairs(group, row, col, cost)
    assert chosen.dtype == bool and chosen.shape == group.shape
    for gid, mat in dense:
        mine = chosen & (group == gid)
        r, c = row[mine], col[mine]
        # each row and each column at most once
        assert np.unique(r).size == r.size and np.unique(c).size == c.size
        n_pairs, total = _authority(mat)
        allowed = ~np.isnan(mat)
        most = int(np.sum(maximum_bipartite_matching(csr_matrix(allowed), perm_type="column") >= 0))
        assert n_pairs == most  # the authority itself uses as many pairs as the problem allows
        assert r.size == n_pairs, f"problem {gid}: {r.size} pairs, scipy {n_pairs}"
        np.testing.assert_allclose(cost[mine].sum(), total, rtol=1e-12, atol=1e-9)
        np.testing.assert_array_equal(mat[r, c], cost[mine])  # the pairs' own costs


@pytest.mark.parametrize("integer_costs", [False, True])
def test_assign_pairs_matches_linear_sum_assignment_on_random_problems(integer_costs):
    """2,000 problems of up to 7 x 7 with 15-100 % of the entries allowed, in one batch: the
    same number of pairs and the same total cost as scipy (integer costs from -3 to 3 make
    many optima, so only the count and the total are compared)."""
    rng = np.random.default_rng(17 if integer_costs else 16)
    problem, dense = _random_problems(rng, 2_000, integer_costs)
    _check_against_scipy(problem, dense)


def test_most_pairs_come_before_least_cost():
    """Row 0 could take column 0 alone at -100, but then row 1 (allowed only on column 0)
    goes without: two pairs at +100 beat one at -100."""
    chosen = assign_pairs([0, 0, 0], [0, 0, 1], [0, 1, 0], [-100.0, 50.0, 50.0])
    np.testing.assert_array_equal(chosen, [False, True, True])


def test_problems_without_contest_are_settled_without_the_solver(monkeypatch):
    """Where every row and every column of a problem appears in one allowed pair only, all its
    pairs are chosen and the compiled solver never sees them; a batch that mixes such
    problems with contested ones hands only the contested ones to the solver, and the answer
    is still scipy's."""
    seen = []
    solve = assign_module._solve

    def recording(starts, row, col, cost, big):
        seen.append(np.asarray(cost).copy())
        return solve(starts, row, col, cost, big)

    monkeypatch.setattr(assign_module, "_solve", recording)
    rng = np.random.default_rng(3)
    # uncontested only: permutation-like problems with some rows and columns left out
    group, row, col, cost = [], [], [], []
    for g in range(300):
        k = int(rng.integers(1, 6))
        r = rng.choice(8, size=k, replace=False)
        c = rng.choice(8, size=k, replace=False)
        group += [g] * k
        row += list(r)
        col += list(c)
        cost += list(rng.uniform(-30.0, 60.0, size=k))
    chosen = assign_pairs(group, row, col, cost)
    assert chosen.all() and not seen

    # mixed: the random problems (contested or not) with the tags of their costs kept
    problem, dense = _random_problems(rng, 500)
    g, r, c, cost = problem
    _check_against_scipy(problem, dense)
    assert len(seen) == 1
    handed = np.isin(cost, seen[0])
    for gid, mat in dense:
        allowed = ~np.isnan(mat)
        contested = (allowed.sum(axis=1) > 1).any() or (allowed.sum(axis=0) > 1).any()
        assert np.all(handed[g == gid] == contested), f"problem {gid}"


def test_no_pairs_and_one_pair():
    assert assign_pairs([], [], [], []).shape == (0,)
    np.testing.assert_array_equal(assign_pairs([5], [2], [3], [-1.0]), [True])
