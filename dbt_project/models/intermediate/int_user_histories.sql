{#- Each user's purchase history per purpose, ranked: evaluation = the training period
    (user_item_interactions_train), serving = every order (user_item_interactions_full). Their
    history_rank (most orders first, the most recent purchase breaking ties) is personal
    popularity. -#}

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

user_histories as (

    select
        purpose,
        user_id,
        product_id,
        order_count,
        last_purchased_day,
        days_since_last,
        history_rank

    from interactions

)

select * from user_histories
