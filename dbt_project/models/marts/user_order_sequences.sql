with

orders as (

    select * from {{ ref('orders') }}

),

user_sequences as (

    select
        user_id,
        {{ sorted_list('order_id', 'order_number') }} as order_ids,
        {{ sorted_list('day_number', 'order_number') }} as day_numbers,
        {{ sorted_list('basket_size', 'order_number') }} as basket_sizes,
        count(*) as order_count,
        count(*) filter (where not is_holdout) as training_order_count

    from orders

    group by user_id

)

select * from user_sequences
