"""The benchmark's plan check: it fails a run only on a sequential scan an index could avoid."""

from benchmarks.measure import seq_scans


def plan_scanning(table: str, kept: int) -> dict:
    return {
        "Plan": {
            "Node Type": "Limit",
            "Plans": [{"Node Type": "Seq Scan", "Relation Name": table, "Plan Rows": kept}],
        }
    }


SIZES = {"referrals_referral": 200_000, "isotp_office": 300}


def test_a_scan_keeping_a_few_rows_of_a_large_table_is_flagged():
    assert seq_scans(plan_scanning("referrals_referral", kept=12), SIZES) == [
        {"table": "referrals_referral", "rows": 200_000, "kept": 12}
    ]


def test_a_scan_keeping_a_large_share_of_the_table_is_the_right_plan():
    # Filtering referrals by status keeps 44% of them: reading the whole table is cheaper.
    assert seq_scans(plan_scanning("referrals_referral", kept=88_000), SIZES) == []


def test_a_scan_of_a_small_table_is_never_flagged():
    assert seq_scans(plan_scanning("isotp_office", kept=1), SIZES) == []
