{%- set source_types = source_column_types(ref('raw_products')) -%}

with

source as (

    select * from {{ ref('raw_products') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('product_id', source_types) }} as product_id,

        ---------- strings
        coalesce(
            nullif(trim(product_name), ''),
            'product ' || {{ clean_id('product_id', source_types) }}
        ) as product_name,
        coalesce(nullif(trim(department), ''), 'unknown') as department,
        coalesce(nullif(trim(category), ''), 'unknown') as category,
        nullif(trim(sub_category), '') as sub_category,
        nullif(trim(brand), '') as brand,
        nullif(trim(package_size), '') as package_size,

        ---------- numerics
        {{ safe_cast('price', 'double', source_types) }} as price,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('product_id', source_types) }} is null then 'null_product_id'
            when {{ fails_cast('price', 'double', source_types) }} then 'non_numeric_price'
            when {{ safe_cast('price', 'double', source_types) }} < 0 then 'negative_price'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
