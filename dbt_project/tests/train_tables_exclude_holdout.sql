-- Training features never see holdout orders: every count in the _train and _features tables
-- must equal the count recomputed from training orders only.

with

training_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

),

holdout_orders as (

    select order_id from {{ ref('orders') }}

    where is_holdout

),

recounted_interactions as (

    select
        user_id,
        product_id,
        count(distinct order_id) as order_count

    from training_lines

    group by user_id, product_id

),

interaction_mismatches as (

    select 'user_item_interactions_train' as failing_table

    from {{ ref('user_item_interactions_train') }} as interactions

    full outer join recounted_interactions
        on
            interactions.user_id = recounted_interactions.user_id
            and interactions.product_id = recounted_interactions.product_id

    where interactions.order_count is distinct from recounted_interactions.order_count

),

training_order_counts as (

    select
        user_id,
        count(*) as training_orders

    from {{ ref('orders') }}

    where not is_holdout

    group by user_id

),

user_feature_mismatches as (

    select 'user_features' as failing_table

    from {{ ref('user_features') }} as user_features

    left join training_order_counts
        on user_features.user_id = training_order_counts.user_id

    where user_features.frequency is distinct from training_order_counts.training_orders

),

cooccurrence_basket_counts as (

    -- Every product's basket count in the pairs is its training basket count; a holdout basket
    -- would add to it.
    select
        product_id,
        product_baskets as baskets

    from {{ ref('item_cooccurrence') }}

    union

    select
        paired_product_id as product_id,
        paired_product_baskets as baskets

    from {{ ref('item_cooccurrence') }}

),

training_product_baskets as (

    select
        product_id,
        count(distinct order_id) as baskets

    from training_lines

    group by product_id

),

training_baskets as (

    select count(distinct order_id) as baskets from training_lines

),

cooccurrence_mismatches as (

    select 'item_cooccurrence' as failing_table

    from cooccurrence_basket_counts

    inner join training_product_baskets
        on cooccurrence_basket_counts.product_id = training_product_baskets.product_id

    where cooccurrence_basket_counts.baskets != training_product_baskets.baskets

    union all

    -- Support is over training baskets only.
    select 'item_cooccurrence' as failing_table

    from {{ ref('item_cooccurrence') }} as cooccurrence

    cross join training_baskets

    where
        abs(cooccurrence.baskets_together / cooccurrence.support - training_baskets.baskets)
        > 1e-6

),

holdout_examples_flagged as (

    select 'basket_next_item_examples' as failing_table

    from {{ ref('basket_next_item_examples') }} as examples

    inner join holdout_orders
        on examples.order_id = holdout_orders.order_id

    where not examples.is_holdout

)

select * from interaction_mismatches
union all
select * from user_feature_mismatches
union all
select * from cooccurrence_mismatches
union all
select * from holdout_examples_flagged
