-- Promo target lists: for each product promoted in the campaign week, the users most likely to
-- buy it, with the product's name, ready for a mailing tool.
--   dbt compile --select promo_target_lists --vars '{top_n: 20, purpose: serving}'
-- ml.promo_targets (columns purpose, campaign_week, product_id, user_id, score,
-- fallback_tier, rank) is built by models/ml/promo_targets.sql. It is read here by its
-- relation name, not ref(), so that this analysis compiles even in a checkout where that model
-- is not present yet; run the compiled SQL on a warehouse built with it.
{%- set top_n = var('top_n', 20) | int %}
{%- set purpose = var('purpose', 'serving') %}

with

promo_targets as (

    select * from ml.promo_targets

),

product_stats as (

    select * from {{ ref('product_stats').include(database=false) }}

),

target_lists as (

    select
        promo_targets.campaign_week,
        promo_targets.product_id,
        product_stats.product_name,
        product_stats.department,
        promo_targets.rank as target_rank,
        promo_targets.user_id,
        promo_targets.score,
        promo_targets.fallback_tier

    from promo_targets

    left join product_stats
        on promo_targets.product_id = product_stats.product_id

    where
        promo_targets.purpose = '{{ purpose | replace("'", "''") }}'
        and promo_targets.rank <= {{ top_n }}

)

select * from target_lists
order by product_id asc, target_rank asc
