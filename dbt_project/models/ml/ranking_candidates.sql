{#- Stage one of the two-stage ranker: candidate products per user and snapshot, one row per
    (purpose, user, product, source) with the source's rank and score. purpose is the ranking
    snapshot (int_ranking_snapshot_orders): training (features before the label window),
    evaluation (training period, holdout users) and serving (every order, every user).
    Sources:
    - history: the user's `ranker_history_candidates` most bought products (personal popularity).
    - cooccurrence: products bought in the same baskets as the user's last
      `ranker_recent_baskets` baskets, summed confidence P(candidate | recent product) over
      each recent product's 3 x `ranker_cooccurrence_candidates` best neighbours. Pair
      counts are item_cooccurrence's (training period) with the label window's baskets taken
      out for training and the holdout's added for serving, so no snapshot sees its labels.
    - als_repeat / als_new_items: ALS lists (als_recommendations; for training, ALS refit on
      the training snapshot's history by ranker_als_candidates with the same configuration).
    - popularity: the `ranker_popular_candidates` most ordered products of the last
      `ranker_recent_days` days.
    - every list in tfrs_recommendations, generically by model name (`<model>` in repeat mode,
      `<model>_new_items`): evaluation and serving only, since those models are not retrained
      at the training cutoff; they add candidates, not ranker features. -#}

{%- set neighbours_per_product = 3 * var('ranker_cooccurrence_candidates') -%}

with

snapshot_orders as (

    select * from {{ ref('int_ranking_snapshot_orders') }}

),

recommendation_users as (

    select * from {{ ref('int_recommendation_users') }}

),

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

product_stats as (

    select * from {{ ref('int_ranking_product_stats') }}

),

history_lines as (

    select * from {{ ref('int_ranking_history_lines') }}

),

cooccurrence as (

    select * from {{ ref('item_cooccurrence') }}

),

als_lists as (

    select
        mode,
        purpose,
        user_id,
        rank,
        product_id,
        score

    from {{ ref('als_recommendations') }}

    union all

    select
        mode,
        purpose,
        user_id,
        rank,
        product_id,
        score

    from {{ ref('ranker_als_candidates') }}

),

other_model_lists as (

    select
        model,
        mode,
        purpose,
        user_id,
        rank,
        product_id,
        score

    from {{ ref('tfrs_recommendations') }}

),

snapshot_users as (

    select distinct
        snapshot as purpose,
        user_id

    from snapshot_orders

    where snapshot like 'training%' and role = 'label'

    union all

    select
        purpose,
        user_id

    from recommendation_users

),

history_candidates as (

    select
        snapshot_users.purpose,
        snapshot_users.user_id,
        user_items.product_id,
        'history' as source,
        user_items.history_rank as source_rank,
        user_items.order_count::double as source_score

    from snapshot_users

    inner join user_items
        on
            snapshot_users.purpose = user_items.snapshot
            and snapshot_users.user_id = user_items.user_id

    where user_items.history_rank <= {{ var('ranker_history_candidates') }}

),

recent_orders as (

    select
        snapshot,
        user_id,
        order_id,
        dense_rank() over (
            partition by snapshot, user_id order by order_number desc
        ) as recency

    from snapshot_orders

    where role = 'history'

),

recent_products as (

    select distinct
        history_lines.snapshot,
        history_lines.user_id,
        history_lines.product_id

    from history_lines

    inner join recent_orders
        on
            history_lines.snapshot = recent_orders.snapshot
            and history_lines.order_id = recent_orders.order_id

    where
        history_lines.role = 'history'
        and recent_orders.recency <= {{ var('ranker_recent_baskets') }}

),

snapshot_histories as (

    select distinct
        snapshot,
        order_id

    from snapshot_orders

    where role = 'history'

),

snapshot_names as (

    select distinct snapshot from snapshot_histories

),

counted_baskets as (

    -- The baskets item_cooccurrence counted: the training period, the evaluation history.
    select order_id from snapshot_histories

    where snapshot = 'evaluation'

),

basket_differences as (

    -- Counted baskets a training snapshot must not see (its labels and later), and holdout
    -- baskets serving may see that were not counted.
    select
        snapshot_names.snapshot,
        -1 as direction,
        counted_baskets.order_id

    from counted_baskets

    cross join snapshot_names

    anti join snapshot_histories
        on
            snapshot_names.snapshot = snapshot_histories.snapshot
            and counted_baskets.order_id = snapshot_histories.order_id

    where snapshot_names.snapshot like 'training%'

    union all

    select
        snapshot_histories.snapshot,
        1 as direction,
        snapshot_histories.order_id

    from snapshot_histories

    anti join counted_baskets
        on snapshot_histories.order_id = counted_baskets.order_id

    where snapshot_histories.snapshot = 'serving'

),

label_window_baskets as (

    select distinct
        basket_differences.snapshot,
        basket_differences.direction,
        basket_differences.order_id,
        basket_lines.product_id

    from basket_differences

    inner join history_lines as basket_lines
        on
            basket_differences.order_id = basket_lines.order_id
            and basket_lines.snapshot = 'serving'

),

pair_adjustments as (

    select
        anchor_lines.snapshot,
        anchor_lines.product_id,
        paired_lines.product_id as paired_product_id,
        sum(anchor_lines.direction) as baskets_together

    from label_window_baskets as anchor_lines

    inner join label_window_baskets as paired_lines
        on
            anchor_lines.snapshot = paired_lines.snapshot
            and anchor_lines.order_id = paired_lines.order_id
            and anchor_lines.product_id != paired_lines.product_id

    group by anchor_lines.snapshot, anchor_lines.product_id, paired_lines.product_id

),

directed_pairs as (

    select
        product_id,
        paired_product_id,
        baskets_together

    from cooccurrence

    union all

    select
        paired_product_id as product_id,
        product_id as paired_product_id,
        baskets_together

    from cooccurrence

),

snapshot_pairs as (

    select
        snapshots.snapshot,
        directed_pairs.product_id,
        directed_pairs.paired_product_id,
        directed_pairs.baskets_together
        + coalesce(pair_adjustments.baskets_together, 0) as baskets_together

    from directed_pairs

    cross join snapshot_names as snapshots

    left join pair_adjustments
        on
            snapshots.snapshot = pair_adjustments.snapshot
            and directed_pairs.product_id = pair_adjustments.product_id
            and directed_pairs.paired_product_id = pair_adjustments.paired_product_id

),

snapshot_product_baskets as (

    select
        snapshot,
        product_id,
        count(distinct order_id) as product_baskets

    from history_lines

    where role = 'history'

    group by snapshot, product_id

),

snapshot_confidence as (

    select
        snapshot_pairs.snapshot,
        snapshot_pairs.product_id,
        snapshot_pairs.paired_product_id,
        snapshot_pairs.baskets_together / snapshot_product_baskets.product_baskets as confidence

    from snapshot_pairs

    inner join snapshot_product_baskets
        on
            snapshot_pairs.snapshot = snapshot_product_baskets.snapshot
            and snapshot_pairs.product_id = snapshot_product_baskets.product_id

    where snapshot_pairs.baskets_together >= {{ var('min_support') }}

    -- Each recent product votes for its strongest neighbours only: a staple is bought with
    -- thousands of products, and their long tail only costs time.
    qualify
        row_number() over (
            partition by snapshot_pairs.snapshot, snapshot_pairs.product_id
            order by confidence desc, snapshot_pairs.paired_product_id asc
        ) <= {{ neighbours_per_product }}

),

cooccurrence_scores as (

    select
        snapshot_users.purpose,
        snapshot_users.user_id,
        snapshot_confidence.paired_product_id as product_id,
        sum(snapshot_confidence.confidence) as source_score

    from snapshot_users

    inner join recent_products
        on
            snapshot_users.purpose = recent_products.snapshot
            and snapshot_users.user_id = recent_products.user_id

    inner join snapshot_confidence
        on
            recent_products.snapshot = snapshot_confidence.snapshot
            and recent_products.product_id = snapshot_confidence.product_id

    group by snapshot_users.purpose, snapshot_users.user_id, snapshot_confidence.paired_product_id

),

cooccurrence_ranked as (

    select
        purpose,
        user_id,
        product_id,
        'cooccurrence' as source,
        row_number() over (
            partition by purpose, user_id order by source_score desc, product_id asc
        ) as source_rank,
        source_score

    from cooccurrence_scores

),

cooccurrence_candidates as (

    select * from cooccurrence_ranked

    where source_rank <= {{ var('ranker_cooccurrence_candidates') }}

),

als_candidates as (

    select
        snapshot_users.purpose,
        snapshot_users.user_id,
        als_lists.product_id,
        'als_' || als_lists.mode as source,
        als_lists.rank as source_rank,
        als_lists.score as source_score

    from snapshot_users

    inner join als_lists
        on
            snapshot_users.purpose = als_lists.purpose
            and snapshot_users.user_id = als_lists.user_id

),

popularity_candidates as (

    select
        snapshot_users.purpose,
        snapshot_users.user_id,
        product_stats.product_id,
        'popularity' as source,
        product_stats.recent_popularity_rank as source_rank,
        product_stats.recent_order_count::double as source_score

    from snapshot_users

    inner join product_stats
        on snapshot_users.purpose = product_stats.snapshot

    where product_stats.recent_popularity_rank <= {{ var('ranker_popular_candidates') }}

),

other_model_candidates as (

    select
        snapshot_users.purpose,
        snapshot_users.user_id,
        other_model_lists.product_id,
        case
            when other_model_lists.mode = 'repeat' then other_model_lists.model
            else other_model_lists.model || '_' || other_model_lists.mode
        end as source,
        other_model_lists.rank as source_rank,
        other_model_lists.score as source_score

    from snapshot_users

    inner join other_model_lists
        on
            snapshot_users.purpose = other_model_lists.purpose
            and snapshot_users.user_id = other_model_lists.user_id

),

all_candidates as (

    select * from history_candidates

    union all

    select * from cooccurrence_candidates

    union all

    select * from als_candidates

    union all

    select * from popularity_candidates

    union all

    select * from other_model_candidates

)

select * from all_candidates
