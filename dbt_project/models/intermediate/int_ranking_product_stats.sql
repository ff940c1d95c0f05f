{#- Each product before each snapshot's cutoff: orders, buyers, the share of buyers who bought
    it again, its median unit price, recent orders and popularity ranks (all time and recent),
    units per order, its share of its sub-category's orders, how long buyers wait between two
    orders of it (int_ranking_product_gaps), plus how much it is promoted in the snapshot's
    target weeks (int_ranking_snapshot_weeks). Orders and buyers come from
    int_ranking_user_items (one row per buyer and product). -#}

{%- set window_days = var('holdout_weeks') * 7 -%}

with

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

    where unit_price > 0

),

target_weeks as (

    select * from {{ ref('int_ranking_snapshot_weeks') }}

),

product_gaps as (

    select * from {{ ref('int_ranking_product_gaps') }}

),

products as (

    select * from {{ ref('int_products') }}

),

promotions as (

    select * from {{ ref('int_promotions') }}

),

target_week_counts as (

    select
        snapshot,
        count(*) as weeks

    from target_weeks

    group by snapshot

),

store_count as (

    select greatest(count(distinct store_id), 1) as stores

    from promotions

),

product_prices_by_snapshot as (

    -- Every snapshot in one pass over the lines (filtered aggregates), then stacked.
    select
        product_id,
        {% for snapshot in ranking_snapshots() %}
            median(unit_price) filter (
                where is_{{ snapshot }}_history
            ) as {{ snapshot }}_median_unit_price{% if not loop.last %},{% endif %}
        {% endfor %}

    from order_lines

    group by product_id

),

product_prices as (

    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            product_id,
            {{ snapshot }}_median_unit_price as median_unit_price

        from product_prices_by_snapshot

        where {{ snapshot }}_median_unit_price is not null

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

product_orders as (

    select
        snapshot,
        product_id,
        sum(order_count) as order_count,
        count(*) as user_count,
        count(*) filter (where order_count >= 2) / count(*) as repeat_user_share,
        sum(recent_order_count) as recent_order_count,
        sum(quantity) / sum(order_count) as mean_quantity

    from user_items

    group by snapshot, product_id

),

product_gap_summary as (

    -- The median as in int_ranking_user_categories: the gap at the two middle positions
    -- (0-based) floor and ceil of (n - 1) / 2 is the shortest with more gaps at or below it.
    select
        snapshot,
        product_id,
        any_value(total_gaps) as gap_count,
        sum(gap_days * gaps) / any_value(total_gaps) as mean_gap_days,
        (
            min(gap_days) filter (where gaps_at_most > (total_gaps - 1) // 2)
            + min(gap_days) filter (where gaps_at_most > total_gaps // 2)
        ) / 2 as median_gap_days,
        coalesce(sum(gaps) filter (where gap_days <= {{ window_days }}), 0)
        / any_value(total_gaps) as gap_share_within_window

    from product_gaps

    group by snapshot, product_id

),

snapshot_promotions as (

    select
        target_weeks.snapshot,
        promotions.product_id,
        count(distinct promotions.week_number)
        / any_value(target_week_counts.weeks) as promoted_week_share,
        count(distinct promotions.store_id || '/' || promotions.week_number)
        / (any_value(target_week_counts.weeks) * any_value(store_count.stores))
            as promoted_store_share,
        bool_or(promotions.promo_kind in ('mailer', 'mailer_and_display')) as has_mailer,
        bool_or(promotions.promo_kind in ('display', 'mailer_and_display')) as has_display,
        bool_or(target_weeks.is_campaign_week) as is_promoted_in_campaign_week

    from target_weeks

    inner join promotions
        on target_weeks.week_number = promotions.week_number

    inner join target_week_counts
        on target_weeks.snapshot = target_week_counts.snapshot

    cross join store_count

    group by target_weeks.snapshot, promotions.product_id

),

product_stats as (

    select
        product_orders.snapshot,
        product_orders.product_id,
        product_orders.order_count,
        product_orders.user_count,
        product_orders.repeat_user_share,
        product_orders.recent_order_count,
        product_orders.mean_quantity,
        product_orders.order_count / sum(product_orders.order_count) over (
            partition by product_orders.snapshot, products.category, products.sub_category
        ) as sub_category_order_share,
        product_gap_summary.gap_count,
        product_gap_summary.mean_gap_days,
        product_gap_summary.median_gap_days,
        product_gap_summary.gap_share_within_window,
        product_prices.median_unit_price,
        row_number() over (
            partition by product_orders.snapshot
            order by product_orders.order_count desc, product_orders.product_id asc
        ) as popularity_rank,
        row_number() over (
            partition by product_orders.snapshot
            order by
                product_orders.recent_order_count desc,
                product_orders.order_count desc,
                product_orders.product_id asc
        ) as recent_popularity_rank

    from product_orders

    left join product_prices
        on
            product_orders.snapshot = product_prices.snapshot
            and product_orders.product_id = product_prices.product_id

    left join product_gap_summary
        on
            product_orders.snapshot = product_gap_summary.snapshot
            and product_orders.product_id = product_gap_summary.product_id

    left join products
        on product_orders.product_id = products.product_id

),

with_promotions as (

    select
        coalesce(product_stats.snapshot, snapshot_promotions.snapshot) as snapshot,
        coalesce(product_stats.product_id, snapshot_promotions.product_id) as product_id,
        coalesce(product_stats.order_count, 0) as order_count,
        coalesce(product_stats.user_count, 0) as user_count,
        coalesce(product_stats.repeat_user_share, 0) as repeat_user_share,
        coalesce(product_stats.recent_order_count, 0) as recent_order_count,
        product_stats.mean_quantity,
        product_stats.sub_category_order_share,
        coalesce(product_stats.gap_count, 0) as gap_count,
        product_stats.mean_gap_days,
        product_stats.median_gap_days,
        product_stats.gap_share_within_window,
        product_stats.median_unit_price,
        product_stats.popularity_rank,
        product_stats.recent_popularity_rank,
        coalesce(snapshot_promotions.promoted_week_share, 0) as promoted_week_share,
        coalesce(snapshot_promotions.promoted_store_share, 0) as promoted_store_share,
        coalesce(snapshot_promotions.has_mailer, false) as has_mailer,
        coalesce(snapshot_promotions.has_display, false) as has_display,
        coalesce(
            snapshot_promotions.is_promoted_in_campaign_week, false
        ) as is_promoted_in_campaign_week

    from product_stats

    full outer join snapshot_promotions
        on
            product_stats.snapshot = snapshot_promotions.snapshot
            and product_stats.product_id = snapshot_promotions.product_id

)

select * from with_promotions
