"""Exactly 5 products per user for the campaign week (3 promoted, 1 never bought, 1 upsell),
ordered by expected revenue, with documented fallbacks. Adapter only: models_py.campaigns."""

from models_py.campaigns import SlateConfig, build_slates


def model(dbt, session):
    dbt.config(tags=["ml"])
    config = SlateConfig.from_options(dbt.config.get("slates"))
    return build_slates(dbt.ref("campaign_candidates").df(), config)
