{#- Stage two's input: one row per candidate (purpose, user_id, product_id) of
    ranking_candidates with every feature as of its snapshot's cutoff and, for training and
    evaluation, its label (bought in the snapshot's label period). Features: the known sources'
    ranks and scores, the user-item history (counts, recency in days and orders, periodicity,
    the last order's quantity), product and user stats, how long the
    product's buyers wait between two orders of it and the chance of a repurchase within the
    label window given the days since the user's last one (int_ranking_product_gaps), the
    user's sub-category and category (still bought? switched to another product since?), price
    against the user's usual price (overall and in the category), promotion in the target
    weeks and session context where the data has sessions.
    Ranks of a source that did not list the candidate are null (the model sees "absent"). -#}

{%- set window_days = var('holdout_weeks') * 7 -%}

with

candidates as (

    select * from {{ ref('ranking_candidates') }}

),

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

user_stats as (

    select * from {{ ref('int_ranking_user_stats') }}

),

user_categories as (

    select * from {{ ref('int_ranking_user_categories') }}

),

product_stats as (

    select * from {{ ref('int_ranking_product_stats') }}

),

products as (

    select * from {{ ref('int_products') }}

),

user_sub_categories as (

    select * from {{ ref('int_ranking_user_sub_categories') }}

),

product_gaps as (

    select * from {{ ref('int_ranking_product_gaps') }}

),

history_lines as (

    select * from {{ ref('int_ranking_history_lines') }}

),

snapshot_orders as (

    select * from {{ ref('int_ranking_snapshot_orders') }}

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

candidate_sources as (

    select
        purpose,
        user_id,
        product_id,
        min(source_rank) filter (where source = 'cooccurrence') as cooccurrence_rank,
        max(source_score) filter (where source = 'cooccurrence') as cooccurrence_score,
        min(source_rank) filter (where source = 'als_repeat') as als_repeat_rank,
        max(source_score) filter (where source = 'als_repeat') as als_repeat_score,
        min(source_rank) filter (where source = 'als_new_items') as als_new_items_rank,
        max(source_score) filter (where source = 'als_new_items') as als_new_items_score,
        count(*) filter (
            where source not in (
                'history', 'cooccurrence', 'als_repeat', 'als_new_items', 'popularity'
            )
        ) as other_source_count,
        list(distinct source order by source) as sources

    from candidates

    group by purpose, user_id, product_id

),

user_category_windows as (

    select
        snapshot,
        user_id,
        category,
        bit_or(window_mask) as window_mask,
        min(days_since_last) as days_since_last

    from user_sub_categories

    group by snapshot, user_id, category

),

candidate_recency as (

    select
        candidate_sources.purpose,
        candidate_sources.user_id,
        candidate_sources.product_id,
        user_items.days_since_last

    from candidate_sources

    inner join user_items
        on
            candidate_sources.purpose = user_items.snapshot
            and candidate_sources.user_id = user_items.user_id
            and candidate_sources.product_id = user_items.product_id

),

repurchase_gap_counts as (

    -- The product's gaps no longer than the days since the user's last purchase (d) and than
    -- d + the label window: the repurchase hazard is (F(d + w) - F(d)) / (total - F(d)).
    select
        candidate_recency.purpose,
        candidate_recency.user_id,
        candidate_recency.product_id,
        coalesce(gaps_so_far.gaps_at_most, 0) as gaps_within_days_since_last,
        coalesce(gaps_by_window_end.gaps_at_most, 0) as gaps_within_window_end

    from candidate_recency

    asof left join product_gaps as gaps_so_far
        on
            candidate_recency.purpose = gaps_so_far.snapshot
            and candidate_recency.product_id = gaps_so_far.product_id
            and candidate_recency.days_since_last >= gaps_so_far.gap_days

    asof left join product_gaps as gaps_by_window_end
        on
            candidate_recency.purpose = gaps_by_window_end.snapshot
            and candidate_recency.product_id = gaps_by_window_end.product_id
            and candidate_recency.days_since_last + {{ window_days }}
            >= gaps_by_window_end.gap_days

),

label_purchases as (

    select
        snapshot,
        user_id,
        product_id,
        sum(sales_value) as label_spend

    from history_lines

    where role = 'label'

    group by snapshot, user_id, product_id

),

user_sessions as (

    select
        snapshot_orders.snapshot,
        snapshot_orders.user_id,
        avg(sessions.page_views) as average_page_views,
        avg(sessions.session_seconds) as average_session_seconds

    from snapshot_orders

    inner join sessions
        on snapshot_orders.order_id = sessions.order_id

    where snapshot_orders.role = 'history'

    group by snapshot_orders.snapshot, snapshot_orders.user_id

),

features as (

    select
        candidate_sources.purpose,
        candidate_sources.user_id,
        candidate_sources.product_id,
        candidate_sources.sources,
        products.category,

        ---------- sources
        user_items.history_rank,
        candidate_sources.cooccurrence_rank,
        candidate_sources.cooccurrence_score,
        candidate_sources.als_repeat_rank,
        candidate_sources.als_repeat_score,
        candidate_sources.als_new_items_rank,
        candidate_sources.als_new_items_score,
        product_stats.recent_popularity_rank,
        candidate_sources.other_source_count,

        ---------- user x product history
        coalesce(user_items.order_count, 0) as item_order_count,
        coalesce(user_items.quantity, 0) as item_quantity,
        coalesce(user_items.spend, 0) as item_spend,
        coalesce(user_items.recent_order_count, 0) as item_recent_order_count,
        coalesce(user_items.share_of_user_orders, 0) as item_share_of_orders,
        user_items.days_since_last as item_days_since_last,
        user_items.orders_since_last as item_orders_since_last,
        user_items.usual_gap_days as item_usual_gap_days,
        user_items.gap_ratio as item_gap_ratio,
        -- Label-length windows (holdout_weeks long, counted back from the cutoff) with a
        -- purchase, and their share of the windows in which the user ordered at all.
        coalesce(user_items.windows_bought, 0) as item_windows,
        coalesce(user_items.windows_bought_last_4, 0) as item_windows_last_4,
        coalesce(user_items.windows_bought_last_2, 0) as item_windows_last_2,
        coalesce(
            user_items.windows_bought / nullif(user_stats.active_windows, 0), 0
        ) as item_window_share,
        coalesce(
            user_items.windows_bought_last_8 / nullif(user_stats.active_windows_last_8, 0), 0
        ) as item_window_share_last_8,
        coalesce(
            user_items.windows_bought_last_4 / nullif(user_stats.active_windows_last_4, 0), 0
        ) as item_window_share_last_4,
        user_items.product_id is not null as is_bought,

        ---------- repurchase timing and quantities (null when never bought)
        user_items.days_since_last
        / nullif(product_stats.median_gap_days, 0) as item_days_since_last_to_product_gap,
        (
            repurchase_gap_counts.gaps_within_window_end
            - repurchase_gap_counts.gaps_within_days_since_last
        )
        / nullif(
            product_stats.gap_count - repurchase_gap_counts.gaps_within_days_since_last, 0
        ) as repurchase_hazard,
        user_items.last_quantity as item_last_quantity,
        user_items.last_spend as item_last_spend,
        user_items.quantity / user_items.order_count as item_mean_quantity,
        user_items.last_quantity
        / nullif(user_items.quantity / user_items.order_count, 0) as item_last_to_mean_quantity,
        user_items.last_quantity
        / nullif(product_stats.mean_quantity, 0) as item_last_to_product_quantity,

        ---------- the user's sub-category and category
        {{ windows_in_mask('user_sub_categories.window_mask') }}
        / nullif(user_stats.active_windows, 0) as sub_category_window_share,
        {{ windows_in_mask('user_sub_categories.window_mask', 4) }}
        / nullif(user_stats.active_windows_last_4, 0) as sub_category_window_share_last_4,
        user_sub_categories.item_orders
        / nullif(user_stats.user_orders, 0) as sub_category_order_share,
        user_sub_categories.products_bought as sub_category_products,
        user_sub_categories.days_since_last as sub_category_days_since_last,
        coalesce(user_items.order_count, 0)
        / nullif(user_sub_categories.item_orders, 0) as item_share_of_sub_category,
        {{ windows_in_mask('user_category_windows.window_mask') }}
        / nullif(user_stats.active_windows, 0) as category_window_share,
        user_category_windows.days_since_last as category_days_since_last,
        -- Another product of the sub-category bought since this one's last purchase.
        (user_sub_categories.days_since_last < user_items.days_since_last)::integer
            as switched_in_sub_category,
        user_items.days_since_last
        - user_sub_categories.days_since_last as days_behind_sub_category,

        ---------- product
        coalesce(product_stats.order_count, 0) as product_order_count,
        coalesce(product_stats.user_count, 0) as product_user_count,
        coalesce(product_stats.repeat_user_share, 0) as product_repeat_user_share,
        coalesce(product_stats.recent_order_count, 0) as product_recent_order_count,
        product_stats.popularity_rank as product_popularity_rank,
        product_stats.median_unit_price as product_unit_price,
        product_stats.median_gap_days as product_median_gap_days,
        product_stats.mean_gap_days as product_mean_gap_days,
        coalesce(product_stats.gap_count, 0) as product_gap_count,
        product_stats.gap_share_within_window as product_gap_share_within_window,
        product_stats.mean_quantity as product_mean_quantity,
        product_stats.sub_category_order_share as product_sub_category_share,

        ---------- user
        coalesce(user_stats.user_orders, 0) as user_orders,
        user_stats.distinct_products as user_distinct_products,
        user_stats.average_basket_size as user_average_basket_size,
        user_stats.average_basket_value as user_average_basket_value,
        user_stats.days_since_last_order as user_days_since_last_order,
        user_stats.usual_order_gap_days as user_usual_order_gap_days,
        coalesce(user_stats.active_windows, 0) as user_active_windows,
        coalesce(user_categories.category_orders, 0) as user_category_orders,
        coalesce(user_categories.category_orders, 0)
        / nullif(user_stats.user_orders, 0) as user_category_share,

        ---------- price relative to what the user usually pays
        product_stats.median_unit_price
        / nullif(user_stats.usual_unit_price, 0) as price_to_user_usual,
        product_stats.median_unit_price
        / nullif(user_categories.usual_category_unit_price, 0) as price_to_user_category_usual,
        user_categories.usual_category_unit_price as user_category_unit_price,

        ---------- promotion in the target weeks
        coalesce(product_stats.promoted_week_share, 0) as promoted_week_share,
        coalesce(product_stats.promoted_store_share, 0) as promoted_store_share,
        coalesce(product_stats.has_mailer, false) as has_mailer,
        coalesce(product_stats.has_display, false) as has_display,
        coalesce(
            product_stats.is_promoted_in_campaign_week, false
        ) as is_promoted_in_campaign_week,

        ---------- session context (null where the data has no sessions)
        user_sessions.average_page_views,
        user_sessions.average_session_seconds,

        ---------- label (null for serving)
        case
            when candidate_sources.purpose = 'serving' then null
            else label_purchases.product_id is not null
        end as label,
        coalesce(label_purchases.label_spend, 0) as label_spend

    from candidate_sources

    left join user_items
        on
            candidate_sources.purpose = user_items.snapshot
            and candidate_sources.user_id = user_items.user_id
            and candidate_sources.product_id = user_items.product_id

    left join product_stats
        on
            candidate_sources.purpose = product_stats.snapshot
            and candidate_sources.product_id = product_stats.product_id

    left join user_stats
        on
            candidate_sources.purpose = user_stats.snapshot
            and candidate_sources.user_id = user_stats.user_id

    left join products
        on candidate_sources.product_id = products.product_id

    left join user_categories
        on
            candidate_sources.purpose = user_categories.snapshot
            and candidate_sources.user_id = user_categories.user_id
            and products.category = user_categories.category

    left join user_sub_categories
        on
            candidate_sources.purpose = user_sub_categories.snapshot
            and candidate_sources.user_id = user_sub_categories.user_id
            and products.category is not distinct from user_sub_categories.category
            and products.sub_category is not distinct from user_sub_categories.sub_category

    left join user_category_windows
        on
            candidate_sources.purpose = user_category_windows.snapshot
            and candidate_sources.user_id = user_category_windows.user_id
            and products.category is not distinct from user_category_windows.category

    left join repurchase_gap_counts
        on
            candidate_sources.purpose = repurchase_gap_counts.purpose
            and candidate_sources.user_id = repurchase_gap_counts.user_id
            and candidate_sources.product_id = repurchase_gap_counts.product_id

    left join user_sessions
        on
            candidate_sources.purpose = user_sessions.snapshot
            and candidate_sources.user_id = user_sessions.user_id

    left join label_purchases
        on
            candidate_sources.purpose = label_purchases.snapshot
            and candidate_sources.user_id = label_purchases.user_id
            and candidate_sources.product_id = label_purchases.product_id

)

select * from features
