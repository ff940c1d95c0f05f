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

user_feature_mismatches as (

    select 'user_features' as failing_table

    from {{ ref('user_features') }} as user_features

    left join (
        select
            user_id,
            count(*) as training_orders

        from {{ ref('orders') }}

        where not is_holdout

        group by user_id
    ) as recounted_orders
        on user_features.user_id = recounted_orders.user_id

    where user_features.frequency is distinct from recounted_orders.training_orders

),

cooccurrence_mismatches as (

    -- A holdout order must never be counted as a training basket.
    select 'int_basket_products_indexed' as failing_table

    from (select count(distinct basket_index) as baskets from {{ ref('int_basket_products_indexed') }}) as indexed

    cross join (
        select count(distinct order_id) as baskets

        from training_lines

        where product_id in (select product_id from {{ ref('int_basket_products_indexed') }})
    ) as expected

    where indexed.baskets != expected.baskets

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
