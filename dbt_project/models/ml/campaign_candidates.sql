{#- The pool each campaign slate is picked from (models_py.campaigns): per purpose, user and
    product, the ranker's scored candidates (source = ranker) plus the snapshot's most ordered
    promoted and overall products for every user (source = popular, probability = the share of
    users who bought it: the fallbacks when a slot has no scored candidate). Flags say which
    slot each product may fill; expected_revenue = probability x unit price.
    campaign_history is read when it exists (it is built from campaign_slates, so it cannot be a
    ref): a product sent to the user in the latest campaign before this one is flagged. -#}

{%- set fallback_depth = 60 -%}
{%- set history_relation = adapter.get_relation(this.database, this.schema, 'campaign_history') -%}

with

scores as (

    select * from {{ ref('ranking_scores') }}

    where model = 'ranker'

),

campaign_weeks as (

    select
        snapshot as purpose,
        week_number as campaign_week

    from {{ ref('int_ranking_snapshot_weeks') }}

    where is_campaign_week

),

product_stats as (

    select * from {{ ref('int_ranking_product_stats') }}

),

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

user_categories as (

    select * from {{ ref('int_ranking_user_categories') }}

),

products as (

    select * from {{ ref('int_products') }}

),

campaign_users as (

    select distinct
        purpose,
        user_id

    from scores

),

snapshot_user_counts as (

    select
        snapshot,
        count(distinct user_id) as user_total

    from user_items

    group by snapshot

),

scored_candidates as (

    select
        scores.purpose,
        scores.user_id,
        scores.product_id,
        'ranker' as source,
        scores.probability

    from scores

),

popular_products as (

    select
        product_stats.snapshot as purpose,
        product_stats.product_id,
        product_stats.user_count / snapshot_user_counts.user_total as probability,
        row_number() over (
            partition by product_stats.snapshot, product_stats.is_promoted_in_campaign_week
            order by product_stats.order_count desc, product_stats.product_id asc
        ) as popularity_rank,
        product_stats.is_promoted_in_campaign_week

    from product_stats

    inner join snapshot_user_counts
        on product_stats.snapshot = snapshot_user_counts.snapshot

    where product_stats.order_count > 0

),

popular_candidates as (

    select
        campaign_users.purpose,
        campaign_users.user_id,
        popular_products.product_id,
        'popular' as source,
        popular_products.probability

    from campaign_users

    inner join popular_products
        on campaign_users.purpose = popular_products.purpose

    where popular_products.popularity_rank <= {{ fallback_depth }}

),

pool as (

    select * from scored_candidates

    union all

    select * from popular_candidates

),

previous_campaigns as (

    {% if history_relation is not none %}
        select
            campaign_weeks.purpose,
            sent.user_id,
            sent.product_id

        from {{ history_relation }} as sent

        inner join campaign_weeks
            on sent.campaign_week < campaign_weeks.campaign_week

        qualify
            sent.campaign_week = max(sent.campaign_week) over (
                partition by campaign_weeks.purpose, sent.user_id
            )
    {% else %}
        select
            null::varchar as purpose,
            null::varchar as user_id,
            null::varchar as product_id
        where false
    {% endif %}

),

pool_priced as (

    select
        pool.purpose,
        campaign_weeks.campaign_week,
        pool.user_id,
        pool.product_id,
        products.category,
        pool.source,
        pool.probability,
        coalesce(product_stats.median_unit_price, products.price, 0) as unit_price,
        coalesce(product_stats.is_promoted_in_campaign_week, false) as is_promoted,
        user_items.product_id is not null as is_bought,
        user_categories.usual_category_unit_price

    from pool

    inner join campaign_weeks
        on pool.purpose = campaign_weeks.purpose

    inner join products
        on pool.product_id = products.product_id

    left join product_stats
        on
            pool.purpose = product_stats.snapshot
            and pool.product_id = product_stats.product_id

    left join user_items
        on
            pool.purpose = user_items.snapshot
            and pool.user_id = user_items.user_id
            and pool.product_id = user_items.product_id

    left join user_categories
        on
            pool.purpose = user_categories.snapshot
            and pool.user_id = user_categories.user_id
            and products.category = user_categories.category

),

pool_flagged as (

    select
        pool_priced.purpose,
        pool_priced.campaign_week,
        pool_priced.user_id,
        pool_priced.product_id,
        pool_priced.category,
        pool_priced.source,
        pool_priced.probability,
        pool_priced.unit_price,
        pool_priced.probability * pool_priced.unit_price as expected_revenue,
        pool_priced.is_promoted,
        pool_priced.is_bought,
        coalesce(
            pool_priced.unit_price
            >= {{ var('campaign_upsell_price_ratio') }} * pool_priced.usual_category_unit_price,
            false
        ) as is_upsell,
        coalesce(
            pool_priced.unit_price > pool_priced.usual_category_unit_price, false
        ) as is_above_usual_price,
        previous_campaigns.product_id is not null as was_in_previous_campaign

    from pool_priced

    left join previous_campaigns
        on
            pool_priced.purpose = previous_campaigns.purpose
            and pool_priced.user_id = previous_campaigns.user_id
            and pool_priced.product_id = previous_campaigns.product_id

)

select * from pool_flagged
