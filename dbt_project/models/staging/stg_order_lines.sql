{%- set source_types = source_column_types(ref('raw_order_lines')) -%}

with

source as (

    select * from {{ ref('raw_order_lines') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('order_id', source_types) }} as order_id,
        {{ clean_id('product_id', source_types) }} as product_id,

        ---------- positions
        {{ safe_cast('line_number', 'integer', source_types) }} as line_number,

        ---------- numerics
        {{ safe_cast('quantity', 'double', source_types) }} as quantity,
        {{ safe_cast('sales_value', 'double', source_types) }} as sales_value,
        {{ safe_cast('discount', 'double', source_types) }} as discount,

        ---------- booleans
        {{ safe_cast('reordered', 'boolean', source_types) }} as is_reordered,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('order_id', source_types) }} is null then 'null_order_id'
            when {{ clean_id('product_id', source_types) }} is null then 'null_product_id'
            when {{ fails_cast('quantity', 'double', source_types) }} then 'non_numeric_quantity'
            when {{ safe_cast('quantity', 'double', source_types) }} is null then 'null_quantity'
            when {{ fails_cast('sales_value', 'double', source_types) }}
                then 'non_numeric_sales_value'
            when {{ fails_cast('discount', 'double', source_types) }} then 'non_numeric_discount'
            when {{ fails_cast('line_number', 'integer', source_types) }}
                then 'non_numeric_line_number'
            when {{ fails_cast('reordered', 'boolean', source_types) }} then 'invalid_reordered'
            when {{ safe_cast('quantity', 'double', source_types) }} = 0 then 'zero_quantity'
            when {{ safe_cast('quantity', 'double', source_types) }} < 0 then 'negative_quantity'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
