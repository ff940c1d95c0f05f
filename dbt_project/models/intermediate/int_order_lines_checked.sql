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
        accepted_orders.order_id is not null as has_known_order,
        -- An exact repeat of a line (same order, product, position and amounts) is a
        -- duplicate; the same product twice with different amounts or positions is two lines.
        hash(
            staged_lines.order_id,
            staged_lines.product_id,
            staged_lines.line_number,
            staged_lines.quantity,
            staged_lines.sales_value,
            staged_lines.discount
        ) as repeat_key_hash

    from staged_lines

    left join accepted_products
        on staged_lines.product_id = accepted_products.product_id

    left join accepted_orders
        on staged_lines.order_id = accepted_orders.order_id

),

repeated_key_hashes as (

    -- Repeats are rare: find the candidates by one 64-bit hash, then rank only those rows on
    -- the real columns. A window over every line sorted them all, which dominated this
    -- model's time and memory at Instacart size.
    select repeat_key_hash

    from lines_with_references

    group by repeat_key_hash

    having count(*) > 1

),

repeat_occurrences as (

    select
        lines_with_references.source_file,
        lines_with_references.source_row_number,
        row_number() over (
            partition by
                lines_with_references.order_id,
                lines_with_references.product_id,
                lines_with_references.line_number,
                lines_with_references.quantity,
                lines_with_references.sales_value,
                lines_with_references.discount
            order by lines_with_references.source_row_number, lines_with_references.source_file
        ) as occurrence_number

    from lines_with_references

    semi join repeated_key_hashes
        on lines_with_references.repeat_key_hash = repeated_key_hashes.repeat_key_hash

),

lines_checked as (

    select
        lines_with_references.*,
        coalesce(
            lines_with_references.row_issue,
            case
                when not lines_with_references.has_known_product then 'unknown_product'
                when not lines_with_references.has_known_order then 'unknown_order'
                when repeat_occurrences.occurrence_number > 1 then 'duplicate_line'
            end
        ) as rejection_reason

    from lines_with_references

    left join repeat_occurrences
        on
            lines_with_references.source_file is not distinct from repeat_occurrences.source_file
            and lines_with_references.source_row_number = repeat_occurrences.source_row_number

),

keyed_lines as (

    select
        * exclude (row_issue, has_known_product, has_known_order, repeat_key_hash),
        -- Only rejected rows are reported by key (audit.rejected_rows).
        case
            when rejection_reason is not null
                then concat_ws('/', order_id, product_id, line_number)
        end as record_key

    from lines_checked

)

select * from keyed_lines
