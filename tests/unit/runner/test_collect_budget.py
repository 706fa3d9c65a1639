"""Plan refuses a run whose collect could not finish, with the arithmetic (bench/aws_scale.py's figures)."""
from __future__ import annotations

from runner.collect_budget import collect_problem

SLICE_S = 840.0


def test_the_issue_s_sizes_fit_the_collect_function() -> None:
    assert collect_problem(1000, [SLICE_S, 60.0], 100, tree=True) is None  # 1,000 workers x 15 min
    assert collect_problem(200, [SLICE_S] * 4 + [240.0], 100, tree=True) is None  # 200 x 60 min
    assert collect_problem(1000, [SLICE_S] * 25 + [720.0], 100, tree=True) is None  # 1,000 x 6 h, on paper


def test_a_run_whose_final_merge_outgrows_the_function_is_refused_with_the_arithmetic() -> None:
    too_long = collect_problem(1000, [SLICE_S] * 26, 100, tree=True, memory_mb=2048)
    assert too_long == ("collect could not finish: the final merge holds the run's per-second timeline, about "
                        "1,854 MB for 6.1 h (307 MB + 255 MB an hour, measured), over 80 % of the Collect "
                        "function's 2,048 MB; split it into runs of at most 5.2 h")
    too_wide = collect_problem(1000, [SLICE_S] * 60, 100, tree=True)
    assert too_wide is not None and too_wide.startswith("collect could not finish: the final merge of 600 partials "
                                                        "would take about 692 s on Lambda")


def test_a_run_too_small_for_the_tree_is_one_merge_and_fits() -> None:
    """Under 100 worker-slices collect merges every worker itself: 4 workers x 20 slices is ~20 s."""
    assert collect_problem(4, [SLICE_S] * 20, 100, tree=False) is None
