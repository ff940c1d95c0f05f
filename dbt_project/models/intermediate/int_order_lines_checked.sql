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

lines_with_repeat_keys as not materialized (

    -- Read three times below, so recomputed from the staging view each time: DuckDB would
    -- otherwise materialize a CTE read more than once, a copy of every line held in memory
    -- (8.7 GB at Instacart size, which spilled to disk and tripled this model's time).
    select
        *,
        -- An exact repeat of a line (same order, product, position and amounts) is a
        -- duplicate; the same product twice with different amounts or positions is two lines.
        hash(order_id, product_id, line_number, quantity, sales_value, discount) as repeat_key_hash

    from staged_lines

),

repeated_key_hashes as (

    -- Repeats are rare: find the candidates by one 64-bit hash, then rank only those rows on
    -- the real columns. A window over every line sorted them all, which dominated this
    -- model's time and memory at Instacart size.
    select repeat_key_hash

    from lines_with_repeat_keys

    group by repeat_key_hash

    having count(*) > 1

),

repeat_occurrences as (

    select
        lines_with_repeat_keys.source_file,
        lines_with_repeat_keys.source_row_number,
        row_number() over (
            partition by
                lines_with_repeat_keys.order_id,
                lines_with_repeat_keys.product_id,
                lines_with_repeat_keys.line_number,
                lines_with_repeat_keys.quantity,
                lines_with_repeat_keys.sales_value,
                lines_with_repeat_keys.discount
            order by lines_with_repeat_keys.source_row_number, lines_with_repeat_keys.source_file
        ) as occurrence_number

    from lines_with_repeat_keys

    semi join repeated_key_hashes
        on lines_with_repeat_keys.repeat_key_hash = repeated_key_hashes.repeat_key_hash

),

lines_checked as (

    select
        lines_with_repeat_keys.*,
        coalesce(
            lines_with_repeat_keys.row_issue,
            case
                when accepted_products.product_id is null then 'unknown_product'
                when accepted_orders.order_id is null then 'unknown_order'
                when repeat_occurrences.occurrence_number > 1 then 'duplicate_line'
            end
        ) as rejection_reason

    from lines_with_repeat_keys

    left join accepted_products
        on lines_with_repeat_keys.product_id = accepted_products.product_id

    left join accepted_orders
        on lines_with_repeat_keys.order_id = accepted_orders.order_id

    left join repeat_occurrences
        on
            lines_with_repeat_keys.source_file is not distinct from repeat_occurrences.source_file
            and lines_with_repeat_keys.source_row_number = repeat_occurrences.source_row_number

),

keyed_lines as (

    select
        * exclude (row_issue, repeat_key_hash),
        -- Only rejected rows are reported by key (audit.rejected_rows).
        case
            when rejection_reason is not null
                then concat_ws('/', order_id, product_id, line_number)
        end as record_key

    from lines_checked

)

select * from keyed_lines
