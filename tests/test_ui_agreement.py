from __future__ import annotations

import pandas as pd
import pytest

from auditor.evaluation.agreement import cohen_kappa, correction_counts, flip_rates
from auditor.ui.agreement import agreement_table, agreement_view


def _review(auto: str, mine: str) -> dict:
    return {"auditor_labels": {"drug_cost": auto}, "labels": {"drug_cost": {"status": mine}}}


def test_kappa_matches_a_hand_computed_value() -> None:
    # observed 0.75, expected 0.5*0.5+0.5*0.5 = 0.5 -> kappa 0.5
    pairs = [("met", "met"), ("met", "met"), ("missing", "missing"), ("missing", "met")]
    assert cohen_kappa(pairs) == pytest.approx(0.5)


def test_kappa_is_undefined_without_variation_or_data() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("met", "met"), ("met", "met")]) is None


def test_agreement_table_counts_agreements_and_commonest_correction() -> None:
    reviews = [_review("missing", "met"), _review("missing", "met"), _review("met", "met")]
    row = agreement_table(reviews).set_index("element").loc["drug_cost"]
    assert row["reviews"] == 3 and row["agree"] == 1
    assert row["agreement"] == pytest.approx(0.333)
    assert row["commonest_correction"] == "missing -> met"
    other = agreement_table(reviews).set_index("element").loc["pump_status"]
    assert other["reviews"] == 0 and pd.isna(other["agreement"])


def test_flip_rates_are_per_element_and_auditor_status() -> None:
    rates = flip_rates([_review("missing", "met"), _review("missing", "missing"), _review("met", "met")])
    assert rates == {("drug_cost", "missing"): 0.5, ("drug_cost", "met"): 0.0}


def test_correction_counts_feed_the_worklist_with_counts_not_rates() -> None:
    counts = correction_counts([_review("missing", "met"), _review("missing", "missing"), _review("met", "met")])
    assert counts == {("drug_cost", "missing"): (1, 2), ("drug_cost", "met"): (0, 1)}


def test_the_shown_agreement_table_speaks_in_labels() -> None:
    view = agreement_view(agreement_table([_review("missing", "met")])).set_index("Element")
    assert view.loc["Drug purchase", "Commonest correction"] == "Missing → Met"
    assert list(view.columns) == ["Reviews", "Agree", "Agreement", "Kappa", "Commonest correction"]
