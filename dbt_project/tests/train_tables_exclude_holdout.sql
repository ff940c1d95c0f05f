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

indexed_basket_count as (

    select count(distinct basket_index) as baskets

    from {{ ref('int_basket_products_indexed') }}

),

indexed_products as (

    select distinct product_id from {{ ref('int_basket_products_indexed') }}

),

expected_basket_count as (

    -- Training baskets holding at least one indexed product; a holdout basket would add more.
    select count(distinct training_lines.order_id) as baskets

    from training_lines

    inner join indexed_products
        on training_lines.product_id = indexed_products.product_id

),

cooccurrence_mismatches as (

    select 'int_basket_products_indexed' as failing_table

    from indexed_basket_count

    cross join expected_basket_count

    where indexed_basket_count.baskets != expected_basket_count.baskets

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
