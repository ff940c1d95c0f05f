with

source as (

    select * from {{ ref('raw_promotions') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('product_id') }} as product_id,
        {{ clean_id('store_id') }} as store_id,

        ---------- time
        {{ safe_cast('week_number', 'integer') }} as week_number,

        ---------- strings
        lower(coalesce(nullif(trim(promo_kind), ''), 'unknown')) as promo_kind,
        nullif(trim(cast(display_location as varchar)), '') as display_location,
        nullif(trim(cast(mailer_location as varchar)), '') as mailer_location,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('product_id') }} is null then 'null_product_id'
            when {{ fails_cast('week_number', 'integer') }} then 'non_numeric_week_number'
            when {{ safe_cast('week_number', 'integer') }} is null then 'null_week_number'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
