from __future__ import annotations

from auditor.ui import charts
from auditor.ui.tables import results_frame
from tests.ui_fixtures import record


def _df():
    recs = [record({"drug_cost": "missing", "reassessment": "partial"}, score=0.25, note_id="a"),
            record({"drug_cost": "met", "reassessment": "met"}, score=1.0, note_id="b")]
    recs[0]["facts"]["performer_role"] = "RN"
    recs[1]["facts"]["performer_role"] = "MD"
    return results_frame(recs, [{"author": "Ann"}, {"author": "Bob"}])


def test_status_counts_give_one_row_per_element_and_status() -> None:
    counts = charts.status_counts(_df()).set_index(["element", "status"])["notes"]
    assert counts[("drug_cost", "missing")] == 1 and counts[("incident_to", "not_applicable")] == 2


def test_deficiencies_count_missing_and_partial_by_role() -> None:
    d = charts.deficiencies(_df(), "performer_role")
    assert set(d["performer_role"]) == {"RN"} and d["deficiencies"].sum() == 2


def test_charts_build_to_valid_vega_lite_specs() -> None:
    df = _df()
    for chart in (charts.compliance_chart(df), charts.score_chart(df), charts.deficiency_chart(df, "author")):
        spec = chart.to_dict()
        assert spec["mark"]["type"] == "bar" and spec["title"]


def test_a_table_with_no_deficiencies_still_charts() -> None:
    df = _df().iloc[[1]]
    assert charts.deficiencies(df, "author").empty
    assert charts.deficiency_chart(df, "author").to_dict()["mark"]["type"] == "bar"
