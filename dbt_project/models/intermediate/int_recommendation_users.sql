{#- Who gets a recommendation list, per purpose. evaluation: users with a holdout order (their
    lists come from models trained on the training period); serving: every user with an order
    (lists from models trained on every order). is_cold: no history in that purpose's training
    data. segment: the cold-start segment (household composition where demographics exist). -#}

with

orders as (

    select * from {{ ref('orders') }}

),

users as (

    select * from {{ ref('int_users') }}

),

user_order_counts as (

    select
        user_id,
        count(*) filter (where not is_holdout and basket_size > 0) as training_orders,
        count(*) filter (where is_holdout and basket_size > 0) as holdout_orders,
        count(*) filter (where basket_size > 0) as all_orders

    from orders

    group by user_id

),

users_by_purpose as (

    select
        'evaluation' as purpose,
        user_id,
        training_orders as history_orders

    from user_order_counts

    where holdout_orders > 0

    union all

    select
        'serving' as purpose,
        user_id,
        all_orders as history_orders

    from user_order_counts

    where all_orders > 0

),

users_with_segments as (

    select
        users_by_purpose.purpose,
        users_by_purpose.user_id,
        users_by_purpose.history_orders,
        users_by_purpose.history_orders = 0 as is_cold,
        case
            when users_by_purpose.history_orders = 0 then 'cold'
            when users_by_purpose.history_orders < 5 then 'light (1-4 orders)'
            when users_by_purpose.history_orders < 20 then 'regular (5-19 orders)'
            else 'heavy (20+ orders)'
        end as activity_segment,
        users.household_composition as segment

    from users_by_purpose

    left join users
        on users_by_purpose.user_id = users.user_id

)

select * from users_with_segments
