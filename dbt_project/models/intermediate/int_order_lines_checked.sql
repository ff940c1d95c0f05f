with

staged_lines as (

    select * from {{ ref('stg_order_lines') }}

),

accepted_products as (

    select product_id from {{ ref('int_products') }}

),

accepted_orders as (

    select order_id from {{ ref('int_orders') }}

),

lines_with_references as (

    select
        staged_lines.*,
        accepted_products.product_id is not null as has_known_product,
        accepted_orders.order_id is not null as has_known_order

    from staged_lines

    left join accepted_products
        on staged_lines.product_id = accepted_products.product_id

    left join accepted_orders
        on staged_lines.order_id = accepted_orders.order_id

),

lines_ranked_within_repeats as (

    -- An exact repeat of a line (same order, product, position and amounts) is a duplicate;
    -- the same product twice with different amounts or positions is two real lines.
    select
        *,
        row_number() over (
            partition by
                order_id, product_id, line_number, quantity, sales_value, discount
            order by source_row_number
        ) as occurrence_number

    from lines_with_references

),

lines_checked as (

    select
        * exclude (row_issue, has_known_product, has_known_order, occurrence_number),
        coalesce(
            row_issue,
            case
                when not has_known_product then 'unknown_product'
                when not has_known_order then 'unknown_order'
                when occurrence_number > 1 then 'duplicate_line'
            end
        ) as rejection_reason,
        concat_ws('/', order_id, product_id, line_number) as record_key

    from lines_ranked_within_repeats

)

select * from lines_checked
