"""Campaign slates (the e-mail campaign notebook): per user exactly 5 products for a week.

Composition: 3 products on promotion that week, 1 the user never bought, 1 upsell (a category
the user buys, unit price at least `upsell_price_ratio` x what the user usually pays there),
ordered by expected revenue (purchase probability x unit price). No product twice, at most
`max_per_category` per category, nothing from the user's previous campaign.

Slots are filled scarcest rule first (upsell, new item, promotions), each with the remaining
candidate of highest expected revenue that keeps every constraint; every slot tries the strict
tiers (1-2) before any slot falls back to a relaxed one (3-5). When no candidate fits, the
slot is still filled, by the first fallback that works, recorded in `fallback_tier`:

1. `model`: a ranker-scored candidate that meets the slot's rule;
2. `popular`: a popular product (campaign_candidates' fallback rows, probability = its buyer
   share) that meets the slot's rule;
3. `slot_rule_relaxed`: the slot's rule relaxed (upsell: any price above the user's usual in a
   category they buy, else any product; promotion / new item: any product);
4. `category_cap_relaxed`: the per-category cap dropped;
5. `previous_campaign_repeated`: a product of the previous campaign allowed again.

So a slate is short only when the whole pool has fewer than 5 distinct products.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models_py.options import config_from_options

SLOT_ORDER = ("upsell", "new_item", "promotion")
FALLBACK_TIERS = (
    "model",
    "popular",
    "slot_rule_relaxed",
    "category_cap_relaxed",
    "previous_campaign_repeated",
)
TIER_LEVELS = (
    ("model", "popular"),
    ("slot_rule_relaxed",),
    ("category_cap_relaxed",),
    ("previous_campaign_repeated",),
)
POOL_COLUMNS = [
    "product_id",
    "category",
    "source",
    "probability",
    "unit_price",
    "expected_revenue",
    "is_promoted",
    "is_bought",
    "is_upsell",
    "is_above_usual_price",
    "was_in_previous_campaign",
]
SLATE_COLUMNS = [
    "user_id",
    "rank",
    "product_id",
    "category",
    "slot",
    "fallback_tier",
    "probability",
    "unit_price",
    "expected_revenue",
]


@dataclass(frozen=True)
class SlateConfig:
    promotion_slots: int = 3
    new_item_slots: int = 1
    upsell_slots: int = 1
    max_per_category: int = 2

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> SlateConfig:
        return config_from_options(cls, options)

    def slots(self) -> list[str]:
        counts = {
            "upsell": self.upsell_slots,
            "new_item": self.new_item_slots,
            "promotion": self.promotion_slots,
        }
        return [slot for slot in SLOT_ORDER for _ in range(counts[slot])]


def _slot_rules(slot: str, flags: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The slot's rule, then its relaxations, as row masks over the pool (the last: any row)."""
    anything = np.ones_like(flags["is_promoted"])
    if slot == "promotion":
        return [flags["is_promoted"], anything]
    if slot == "new_item":
        return [~flags["is_bought"], anything]
    return [flags["is_upsell"], flags["is_above_usual_price"], anything]


def _attempts(
    slot: str, flags: Mapping[str, np.ndarray]
) -> list[tuple[str, np.ndarray, bool, bool]]:
    """(tier, row mask, category cap kept, previous campaign excluded), in order."""
    strict, *relaxed = _slot_rules(slot, flags)
    attempts = [
        ("model", strict & flags["is_ranker"], True, True),
        ("popular", strict, True, True),
    ]
    attempts += [("slot_rule_relaxed", rule, True, True) for rule in relaxed]
    attempts.append(("category_cap_relaxed", relaxed[-1], False, True))
    attempts.append(("previous_campaign_repeated", relaxed[-1], False, False))
    return attempts


FLAG_COLUMNS = (
    "is_promoted",
    "is_bought",
    "is_upsell",
    "is_above_usual_price",
    "was_in_previous_campaign",
)


def _choose(
    flags: Mapping[str, np.ndarray], categories: np.ndarray, config: SlateConfig
) -> list[tuple[int, str, str]]:
    """(row, slot, fallback tier) per slot, for one user's pool sorted best-first."""
    slots = config.slots()
    attempts = {slot: _attempts(slot, flags) for slot in set(slots)}
    free = np.ones(len(categories), dtype=bool)
    per_category: Counter[Any] = Counter()
    chosen: dict[int, tuple[int, str, str]] = {}
    # Every slot tries the strict tiers before any slot relaxes a rule, so a relaxed fill never
    # takes a product another slot needed for its own rule.
    for level in TIER_LEVELS:
        for position, slot in enumerate(slots):
            if position in chosen:
                continue
            for tier, rule, keep_cap, exclude_previous in attempts[slot]:
                if tier not in level:
                    continue
                eligible = rule & free
                if keep_cap:
                    full = [
                        name for name, n in per_category.items() if n >= config.max_per_category
                    ]
                    if full:
                        eligible &= ~np.isin(categories, full)
                if exclude_previous:
                    eligible &= ~flags["was_in_previous_campaign"]
                if eligible.any():
                    row = int(np.argmax(eligible))  # sorted best-first: the first is the best
                    chosen[position] = (row, slot, tier)
                    free[row] = False
                    per_category[categories[row]] += 1
                    break
    return list(chosen.values())


def build_slates(candidates: pd.DataFrame, config: SlateConfig) -> pd.DataFrame:
    """A slate per (purpose, campaign_week, user_id) of campaign_candidates (POOL_COLUMNS plus
    those keys): rows ordered by expected revenue, rank 1..n. A product listed twice in a pool
    keeps its best row. Sorted and flagged once; the per-user loop works on array slices."""
    keys = ["purpose", "campaign_week", "user_id"]
    columns = keys[:2] + SLATE_COLUMNS
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    pools = (
        candidates.sort_values(
            [*keys, "expected_revenue", "product_id"],
            ascending=[True, True, True, False, True],
            kind="stable",
        )
        .drop_duplicates([*keys, "product_id"])
        .reset_index(drop=True)
    )
    flags = {column: pools[column].fillna(False).to_numpy(dtype=bool) for column in FLAG_COLUMNS}
    flags["is_ranker"] = (pools["source"] == "ranker").to_numpy()
    categories = pd.factorize(pools["category"].fillna(""))[0]
    group = pools.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(pools)]
    rows, slots, tiers = [], [], []
    for start, end in zip(starts, ends, strict=True):
        part = {name: values[start:end] for name, values in flags.items()}
        for row, slot, tier in _choose(part, categories[start:end], config):
            rows.append(start + row)
            slots.append(slot)
            tiers.append(tier)
    slates = pools.loc[rows, [*keys, *POOL_COLUMNS]].assign(slot=slots, fallback_tier=tiers)
    slates = slates.sort_values(
        [*keys, "expected_revenue", "product_id"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
    slates["rank"] = slates.groupby(keys, sort=False).cumcount() + 1
    return slates.reset_index(drop=True)[columns]


def build_slate(pool: pd.DataFrame, config: SlateConfig) -> pd.DataFrame:
    """One user's slate (build_slates on a pool without keys)."""
    keyed = pool.assign(purpose="", campaign_week=0, user_id="")
    return build_slates(keyed, config).drop(columns=["purpose", "campaign_week", "user_id"])
