{#- Baseline: the most ordered products of the period (orders containing them), the same list
    for everyone; in new_items mode without the products the user already bought. -#}

{%- set depth = var('top_k') * 5 -%}

with

training_popularity as (

    select
        'evaluation' as purpose,
        product_id,
        order_count,
        popularity_rank

    from {{ ref('product_features') }}

    where popularity_rank <= {{ depth }} and order_count > 0

),

all_popularity as (

    select
        'serving' as purpose,
        product_id,
        order_count,
        popularity_rank

    from {{ ref('product_stats') }}

    where popularity_rank <= {{ depth }} and order_count > 0

),

popular_products as (

    select * from training_popularity

    union all

    select * from all_popularity

),

recommendation_users as (

    select
        purpose,
        user_id
    from {{ ref('int_recommendation_users') }}

),

history as (

    select * from {{ ref('int_user_histories') }}

),

candidates as (

    select
        recommendation_users.purpose,
        recommendation_users.user_id,
        popular_products.product_id,
        popular_products.order_count,
        history.product_id is not null as is_bought

    from recommendation_users

    inner join popular_products
        on recommendation_users.purpose = popular_products.purpose

    left join history
        on
            recommendation_users.purpose = history.purpose
            and recommendation_users.user_id = history.user_id
            and popular_products.product_id = history.product_id

),

modes as (

    select unnest(['repeat', 'new_items']) as mode

),

ranked as (

    select
        modes.mode,
        candidates.*,
        row_number() over (
            partition by modes.mode, candidates.purpose, candidates.user_id
            order by candidates.order_count desc, candidates.product_id asc
        ) as rank

    from candidates

    cross join modes

    where modes.mode = 'repeat' or not candidates.is_bought

),

recommendations as (

    select
        'global_popularity' as model,
        mode,
        purpose,
        user_id,
        rank,
        product_id,
        order_count::double as score,
        'in ' || order_count || ' orders, one of the most bought products' as reason

    from ranked

    where rank <= {{ var('top_k') }}

)

select * from recommendations
