with

orders as (

    select * from {{ ref('orders') }}

),

user_sequences as (

    select
        user_id,
        list(order_id order by order_number) as order_ids,
        list(day_number order by order_number) as day_numbers,
        list(basket_size order by order_number) as basket_sizes,
        count(*) as order_count,
        count(*) filter (where not is_holdout) as training_order_count

    from orders

    group by user_id

)

select * from user_sequences
