"""The benchmark's arithmetic: how pairs of builds and one build's collections become figures."""

from __future__ import annotations

import gc

import pytest
from benchmark.hooks import Collections, docplan_share
from benchmark.runner import pair_quartiles, paired_overhead
from benchmark.scale import SIZES, overhead_pairs


def build(docplan: float, build: float, gc_by_generation: dict[str, list[float]]) -> dict:
    """What ``benchmark.hooks`` prints for one build."""
    return {"docplan": docplan, "build": build, "hooks": {}, "gc": gc_by_generation}


def test_the_share_leaves_out_collections_that_started_in_a_hook_and_adds_those_docplan_causes():
    # 1.0 s in the hooks, of which a full collection (0.3 s) happened to start in one; docplan's
    # objects cause 100 more young collections (at 0.001 s each) and 5 more middle ones (0.01 s).
    with_ = build(1.0, 50.0, {"0": [1100, 1.1, 0.05], "1": [105, 1.05, 0.0], "2": [10, 3.0, 0.3]})
    without = build(0.0, 49.0, {"0": [1000, 1.0, 0.0], "1": [100, 1.0, 0.0], "2": [10, 3.0, 0.0]})
    assert docplan_share(with_, without) == pytest.approx((1.0 - 0.35 + 100 * 0.001 + 5 * 0.01) / 50.0)


def test_the_share_never_credits_docplan_with_collections_the_build_did_not_make():
    with_ = build(1.0, 50.0, {"0": [1000, 1.0, 0.0], "2": [9, 2.7, 0.0]})
    without = build(0.0, 49.0, {"0": [1000, 1.0, 0.0], "2": [10, 3.0, 0.0]})
    assert docplan_share(with_, without) == pytest.approx(1.0 / 50.0)


def test_collections_are_counted_and_timed_inside_and_outside_the_hooks():
    collections = Collections()
    gc.callbacks.append(collections)
    try:
        gc.collect(0)
        collections.inside = True
        gc.collect(2)
    finally:
        gc.callbacks.remove(collections)
    counted = collections.as_dict()
    assert counted["0"][0] >= 1 and counted["2"][0] >= 1
    assert counted["0"][2] == 0  # the young collection ran outside a hook
    assert counted["2"][2] == counted["2"][1] > 0


def test_the_overhead_is_the_median_pair_and_its_quartiles_show_the_spread():
    with_cpu = [10.2, 10.1, 10.9, 10.3, 10.0]
    without_cpu = [10.0] * 5
    assert paired_overhead(with_cpu, without_cpu) == pytest.approx(0.02)
    first, third = pair_quartiles(with_cpu, without_cpu)
    assert first == pytest.approx(0.005) and third == pytest.approx(0.06)  # exclusive quartiles
    assert pair_quartiles([10.3], [10.0]) == pytest.approx((0.03, 0.03))


def test_a_smaller_site_gets_more_pairs_for_about_the_same_building_time():
    assert overhead_pairs(max(SIZES), 4) == 4
    assert overhead_pairs(500, 4) == 16
    assert overhead_pairs(4000, 4) == 4  # never fewer than asked for
