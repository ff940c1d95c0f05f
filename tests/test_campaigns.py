"""Campaign slates: every invariant on fixtures whose right slate is known."""

from __future__ import annotations

import pandas as pd

from models_py.campaigns import SlateConfig, build_slate, build_slates


def product(product_id: str, category: str, revenue: float, **flags) -> dict:
    row = {
        "product_id": product_id,
        "category": category,
        "source": "ranker",
        "probability": revenue / 10,
        "unit_price": 10.0,
        "expected_revenue": revenue,
        "is_promoted": False,
        "is_bought": True,
        "is_upsell": False,
        "is_above_usual_price": False,
        "was_in_previous_campaign": False,
    }
    row.update(flags)
    return row


def check_invariants(slate: pd.DataFrame, pool: pd.DataFrame, config: SlateConfig) -> None:
    assert len(slate) == 5
    assert slate["product_id"].is_unique
    assert slate["rank"].tolist() == [1, 2, 3, 4, 5]
    assert slate["expected_revenue"].is_monotonic_decreasing
    assert slate["slot"].value_counts().to_dict() == {"promotion": 3, "new_item": 1, "upsell": 1}
    flags = pool.drop_duplicates("product_id").set_index("product_id")
    for row in slate.itertuples():
        relaxed = row.fallback_tier not in ("model", "popular")
        if row.slot == "promotion" and not relaxed:
            assert flags.loc[row.product_id, "is_promoted"]
        if row.slot == "new_item" and not relaxed:
            assert not flags.loc[row.product_id, "is_bought"]
        if row.slot == "upsell" and not relaxed:
            assert flags.loc[row.product_id, "is_upsell"]
        if row.fallback_tier != "previous_campaign_repeated":
            assert not flags.loc[row.product_id, "was_in_previous_campaign"]
    if (
        not slate["fallback_tier"]
        .isin(["category_cap_relaxed", "previous_campaign_repeated"])
        .any()
    ):
        assert slate["category"].value_counts().max() <= config.max_per_category


def test_slate_picks_the_best_product_per_slot_under_every_constraint():
    pool = pd.DataFrame(
        [
            # Three promoted dairy products: the cap of 2 per category keeps the third out.
            product("milk", "dairy", 9.0, is_promoted=True),
            product("yoghurt", "dairy", 8.0, is_promoted=True),
            product("cheese", "dairy", 7.5, is_promoted=True),
            product("bread", "bakery", 7.0, is_promoted=True),
            # Sent last week: never again, though it would win.
            product("coffee", "drinks", 20.0, is_promoted=True, was_in_previous_campaign=True),
            product("kiwi", "fruit", 3.0, is_bought=False),
            product("mango", "fruit", 5.0, is_bought=False),
            product("steak", "meat", 4.0, is_upsell=True, is_above_usual_price=True),
            product("ham", "meat", 1.0),
        ]
    )
    config = SlateConfig()
    slate = build_slate(pool, config)
    check_invariants(slate, pool, config)
    assert slate["product_id"].tolist() == ["milk", "yoghurt", "bread", "mango", "steak"]
    assert set(slate["fallback_tier"]) == {"model"}


def test_slots_without_candidates_get_fallbacks_never_a_short_or_duplicated_slate():
    pool = pd.DataFrame(
        [
            product("milk", "dairy", 9.0, is_promoted=True),
            product("eggs", "dairy", 6.0),
            product("tea", "drinks", 5.0, source="popular", is_promoted=True),
            product("rice", "grains", 4.0, is_above_usual_price=True),
            product("oats", "grains", 2.0),
            product("salt", "spices", 1.0, was_in_previous_campaign=True),
        ]
    )
    config = SlateConfig()
    slate = build_slate(pool, config)
    check_invariants(slate, pool, config)
    tiers = dict(zip(slate["product_id"], slate["fallback_tier"], strict=True))
    slots = dict(zip(slate["product_id"], slate["slot"], strict=True))
    # No never-bought product, no strict upsell; one promoted model candidate, one popular one.
    assert slots["rice"] == "upsell" and tiers["rice"] == "slot_rule_relaxed"
    assert tiers["milk"] == "model" and tiers["tea"] == "popular"
    assert "salt" not in tiers


def test_previous_campaign_is_repeated_only_when_nothing_else_is_left():
    pool = pd.DataFrame(
        [
            product(f"p{index}", f"c{index}", 10.0 - index, was_in_previous_campaign=index >= 3)
            for index in range(6)
        ]
    )
    config = SlateConfig()
    slate = build_slate(pool, config)
    check_invariants(slate, pool, config)
    repeated = slate[slate["fallback_tier"] == "previous_campaign_repeated"]
    assert len(repeated) == 2 and set(repeated["product_id"]) <= {"p3", "p4", "p5"}


def test_build_slates_gives_every_user_a_slate():
    rows = []
    for user in ("u1", "u2"):
        for index in range(8):
            rows.append(
                {
                    "purpose": "serving",
                    "campaign_week": 12,
                    "user_id": user,
                    **product(
                        f"p{index}", f"c{index % 3}", float(index), is_promoted=index % 2 == 0
                    ),
                }
            )
    slates = build_slates(pd.DataFrame(rows), SlateConfig())
    assert slates.groupby("user_id").size().to_dict() == {"u1": 5, "u2": 5}
