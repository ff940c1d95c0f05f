{#- For every product promoted in the campaign week, the `promo_target_users` users most likely
    to buy it (the notebook's "users for a product"), per purpose. Users the ranker scored the
    product for come first, by purchase probability (fallback_tier = model); when fewer than N
    did, the heaviest buyers of its category follow (category_buyers, score = their share of
    orders in the category), then the most active users (active_users). Users who bought the
    product in the last `promo_target_recent_days` days before the snapshot's reference day are
    excluded: they are stocked up. -#}

{%- set target_users = var('promo_target_users') -%}

with

scores as (

    select * from {{ ref('ranking_scores') }}

    where model = 'ranker'

),

product_stats as (

    select * from {{ ref('int_ranking_product_stats') }}

),

user_categories as (

    select * from {{ ref('int_ranking_user_categories') }}

),

user_stats as (

    select * from {{ ref('int_ranking_user_stats') }}

),

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

products as (

    select * from {{ ref('int_products') }}

),

campaign_weeks as (

    select
        snapshot as purpose,
        week_number as campaign_week

    from {{ ref('int_ranking_snapshot_weeks') }}

    where is_campaign_week

),

campaign_users as (

    select distinct
        purpose,
        user_id

    from scores

),

promoted_products as (

    select
        product_stats.snapshot as purpose,
        product_stats.product_id,
        products.category

    from product_stats

    inner join products
        on product_stats.product_id = products.product_id

    where product_stats.is_promoted_in_campaign_week

),

recent_buyers as (

    select
        snapshot as purpose,
        user_id,
        product_id

    from user_items

    where days_since_last <= {{ var('promo_target_recent_days') }}

),

category_buyers as (

    select
        user_categories.snapshot as purpose,
        user_categories.category,
        user_categories.user_id,
        user_categories.category_orders / user_stats.user_orders as score,
        row_number() over (
            partition by user_categories.snapshot, user_categories.category
            order by
                user_categories.category_orders desc,
                user_stats.user_orders desc,
                user_categories.user_id asc
        ) as category_rank

    from user_categories

    inner join user_stats
        on
            user_categories.snapshot = user_stats.snapshot
            and user_categories.user_id = user_stats.user_id

    inner join campaign_users
        on
            user_categories.snapshot = campaign_users.purpose
            and user_categories.user_id = campaign_users.user_id

),

active_users as (

    select
        user_stats.snapshot as purpose,
        user_stats.user_id,
        user_stats.user_orders::double as score,
        row_number() over (
            partition by user_stats.snapshot
            order by user_stats.user_orders desc, user_stats.user_id asc
        ) as activity_rank

    from user_stats

    inner join campaign_users
        on
            user_stats.snapshot = campaign_users.purpose
            and user_stats.user_id = campaign_users.user_id

),

target_candidates as (

    select
        promoted_products.purpose,
        promoted_products.product_id,
        scores.user_id,
        scores.probability as score,
        'model' as fallback_tier,
        1 as tier_order

    from promoted_products

    inner join scores
        on
            promoted_products.purpose = scores.purpose
            and promoted_products.product_id = scores.product_id

    union all

    select
        promoted_products.purpose,
        promoted_products.product_id,
        category_buyers.user_id,
        category_buyers.score,
        'category_buyers' as fallback_tier,
        2 as tier_order

    from promoted_products

    inner join category_buyers
        on
            promoted_products.purpose = category_buyers.purpose
            and promoted_products.category = category_buyers.category

    where category_buyers.category_rank <= {{ target_users * 2 }}

    union all

    select
        promoted_products.purpose,
        promoted_products.product_id,
        active_users.user_id,
        active_users.score,
        'active_users' as fallback_tier,
        3 as tier_order

    from promoted_products

    inner join active_users
        on promoted_products.purpose = active_users.purpose

    where active_users.activity_rank <= {{ target_users * 2 }}

),

eligible_candidates as (

    select target_candidates.*

    from target_candidates

    left join recent_buyers
        on
            target_candidates.purpose = recent_buyers.purpose
            and target_candidates.user_id = recent_buyers.user_id
            and target_candidates.product_id = recent_buyers.product_id

    where recent_buyers.user_id is null

    qualify
        row_number() over (
            partition by
                target_candidates.purpose,
                target_candidates.product_id,
                target_candidates.user_id
            order by target_candidates.tier_order
        ) = 1

),

ranked_targets as (

    select
        eligible_candidates.purpose,
        campaign_weeks.campaign_week,
        eligible_candidates.product_id,
        eligible_candidates.user_id,
        eligible_candidates.score,
        eligible_candidates.fallback_tier,
        row_number() over (
            partition by eligible_candidates.purpose, eligible_candidates.product_id
            order by
                eligible_candidates.tier_order asc,
                eligible_candidates.score desc,
                eligible_candidates.user_id asc
        ) as rank

    from eligible_candidates

    inner join campaign_weeks
        on eligible_candidates.purpose = campaign_weeks.purpose

),

final as (

    select * from ranked_targets

    where rank <= {{ target_users }}

)

select * from final
