{%- set source_types = source_column_types(ref('raw_promotions')) -%}

with

source as (

    select * from {{ ref('raw_promotions') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('product_id', source_types) }} as product_id,
        {{ clean_id('store_id', source_types) }} as store_id,

        ---------- time
        {{ safe_cast('week_number', 'integer', source_types) }} as week_number,

        ---------- strings
        lower(coalesce(nullif(trim(promo_kind), ''), 'unknown')) as promo_kind,
        nullif(trim(cast(display_location as varchar)), '') as display_location,
        nullif(trim(cast(mailer_location as varchar)), '') as mailer_location,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('product_id', source_types) }} is null then 'null_product_id'
            when {{ fails_cast('week_number', 'integer', source_types) }}
                then 'non_numeric_week_number'
            when {{ safe_cast('week_number', 'integer', source_types) }} is null
                then 'null_week_number'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
