with

staged_orders as (

    select * from {{ ref('stg_orders') }}

),

orders_ranked_within_id as (

    select
        *,
        row_number() over (
            partition by order_id order by source_row_number
        ) as occurrence_number

    from staged_orders

),

orders_checked as (

    select
        * exclude (row_issue, occurrence_number),
        coalesce(
            row_issue,
            case when occurrence_number > 1 then 'duplicate_order' end
        ) as rejection_reason,
        order_id as record_key

    from orders_ranked_within_id

)

select * from orders_checked
