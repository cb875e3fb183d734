from __future__ import annotations

import pandas as pd

from auditor.ui import charts
from auditor.ui.tables import results_frame
from tests.ui_fixtures import record


def _df():
    recs = [record({"drug_cost": "missing", "reassessment": "partial"}, score=0.25, note_id="a"),
            record({"drug_cost": "met", "reassessment": "met"}, score=1.0, note_id="b")]
    recs[0]["facts"]["performer_role"] = "RN"
    recs[1]["facts"]["performer_role"] = "MD"
    return results_frame(recs, [{"author": "Ann", "service_date": "2025-01-05"}, {"author": "Bob"}])


def test_status_counts_give_one_row_per_element_and_status() -> None:
    counts = charts.status_counts(_df()).set_index(["element", "status"])["notes"]
    assert counts[("drug_cost", "missing")] == 1 and counts[("incident_to", "not_applicable")] == 2


def test_deficiencies_count_missing_and_partial_by_role() -> None:
    d = charts.deficiencies(_df(), "performer_role")
    assert set(d["performer_role"]) == {"RN"} and d["deficiencies"].sum() == 2


def test_rates_are_deficient_over_applicable_and_small_groups_are_left_out() -> None:
    rates = charts.element_rates(_df()).set_index("element")
    assert rates.loc["drug_cost", "rate"] == 0.5 and pd.isna(rates.loc["incident_to", "rate"])
    by = charts.group_rates(_df(), "author", min_notes=1)
    assert by.set_index(["group", "element"]).loc[("Ann", "reassessment"), "rate"] == 1.0
    assert charts.group_rates(_df(), "author", min_notes=2).empty
    assert set(charts.group_rates(_df(), "month", min_notes=1)["group"]) == {"2025-01", "(no date)"}


def test_two_runs_compare_per_element() -> None:
    before, after = _df(), _df().iloc[[1]]
    cmp = charts.compare_runs(before, after).set_index("Element")
    assert cmp.loc["Drug purchase", "before"] == 0.5 and cmp.loc["Drug purchase", "change"] == -0.5


def test_charts_build_to_valid_vega_lite_specs_with_every_element_labelled() -> None:
    df = _df()
    for chart in (charts.compliance_chart(df), charts.score_chart(df), charts.element_rate_chart(charts.element_rates(df))):
        spec = chart.to_dict()
        assert spec["mark"]["type"] == "bar" and spec["title"]
    spec = charts.compliance_chart(df).to_dict()
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False
    heat = charts.group_rate_chart(charts.group_rates(df, "author", min_notes=1), "author").to_dict()
    assert heat["title"] == "Deficiency rate by author"


def test_a_table_with_no_deficiencies_still_charts() -> None:
    df = _df().iloc[[1]]
    assert charts.deficiencies(df, "author").empty
    assert charts.element_rate_chart(charts.element_rates(df)).to_dict()["mark"]["type"] == "bar"


def test_the_group_chart_draws_one_row_per_group() -> None:
    """A field named "group" (Vega's own mark name) or a legend below the plot collapsed it to one flat row."""
    spec = charts.group_rate_chart(charts.group_rates(_df(), "author", min_notes=1), "author").to_dict()
    assert spec["encoding"]["y"]["field"] != "group" and spec["height"] == {"step": 11}
    assert "orient" not in (spec["encoding"]["color"].get("legend") or {})
    assert spec["title"] == "Deficiency rate by author"
