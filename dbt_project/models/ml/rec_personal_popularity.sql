{#- Baseline: the user's most frequently bought products (orders containing them), the most
    recent purchase breaking ties. Repeat purchases only, by definition. -#}

with

training_interactions as (

    select
        'evaluation' as purpose,
        *

    from {{ ref('user_item_interactions_train') }}

),

all_interactions as (

    select
        'serving' as purpose,
        *

    from {{ ref('user_item_interactions_full') }}

),

interactions as (

    select * from training_interactions

    union all

    select * from all_interactions

),

ranked_history as (

    select
        purpose,
        user_id,
        product_id,
        order_count,
        days_since_last,
        row_number() over (
            partition by purpose, user_id
            order by order_count desc, last_purchased_day desc, product_id asc
        ) as rank

    from interactions

),

recommendations as (

    select
        'personal_popularity' as model,
        'repeat' as mode,
        purpose,
        user_id,
        rank,
        product_id,
        order_count::double as score,
        'bought ' || order_count || ' times, last ' || days_since_last || ' days ago' as reason

    from ranked_history

    where rank <= {{ var('top_k') }}

)

select * from recommendations
