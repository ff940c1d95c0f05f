{#- Baseline: the user's most frequently bought products (orders containing them), the most
    recent purchase breaking ties. Repeat purchases only, by definition. -#}

with

user_histories as (

    select * from {{ ref('int_user_histories') }}

),

recommendations as (

    select
        'personal_popularity' as model,
        'repeat' as mode,
        purpose,
        user_id,
        history_rank as rank,
        product_id,
        order_count::double as score,
        'bought ' || order_count || ' times, last ' || days_since_last || ' days ago' as reason

    from user_histories

    where history_rank <= {{ var('top_k') }}

)

select * from recommendations
