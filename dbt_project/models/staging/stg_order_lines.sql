with

source as (

    select * from {{ ref('raw_order_lines') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('order_id') }} as order_id,
        {{ clean_id('product_id') }} as product_id,

        ---------- positions
        {{ safe_cast('line_number', 'integer') }} as line_number,

        ---------- numerics
        {{ safe_cast('quantity', 'double') }} as quantity,
        {{ safe_cast('sales_value', 'double') }} as sales_value,
        {{ safe_cast('discount', 'double') }} as discount,

        ---------- booleans
        {{ safe_cast('reordered', 'boolean') }} as is_reordered,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('order_id') }} is null then 'null_order_id'
            when {{ clean_id('product_id') }} is null then 'null_product_id'
            when {{ fails_cast('quantity', 'double') }} then 'non_numeric_quantity'
            when {{ safe_cast('quantity', 'double') }} is null then 'null_quantity'
            when {{ fails_cast('sales_value', 'double') }} then 'non_numeric_sales_value'
            when {{ fails_cast('discount', 'double') }} then 'non_numeric_discount'
            when {{ fails_cast('line_number', 'integer') }} then 'non_numeric_line_number'
            when {{ fails_cast('reordered', 'boolean') }} then 'invalid_reordered'
            when {{ safe_cast('quantity', 'double') }} = 0 then 'zero_quantity'
            when {{ safe_cast('quantity', 'double') }} < 0 then 'negative_quantity'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
