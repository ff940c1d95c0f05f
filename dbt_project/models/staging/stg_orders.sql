{%- set source_types = source_column_types(ref('raw_orders')) -%}

with

source as (

    select * from {{ ref('raw_orders') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('order_id', source_types) }} as order_id,
        {{ clean_id('user_id', source_types) }} as user_id,
        {{ clean_id('store_id', source_types) }} as store_id,

        ---------- time
        {{ safe_cast('ordered_at', 'timestamp', source_types) }} as ordered_at,
        {{ safe_cast('day_number', 'integer', source_types) }} as day_number,
        {{ safe_cast('week_number', 'integer', source_types) }} as week_number,

        ---------- strings
        lower({{ clean_id('eval_set', source_types) }}) as eval_set,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('order_id', source_types) }} is null then 'null_order_id'
            when {{ clean_id('user_id', source_types) }} is null then 'null_user_id'
            when {{ fails_cast('ordered_at', 'timestamp', source_types) }} then 'invalid_ordered_at'
            when {{ fails_cast('day_number', 'integer', source_types) }}
                then 'non_numeric_day_number'
            when {{ fails_cast('week_number', 'integer', source_types) }}
                then 'non_numeric_week_number'
            when
                {{ safe_cast('ordered_at', 'timestamp', source_types) }} is null
                and {{ safe_cast('day_number', 'integer', source_types) }} is null
                then 'missing_order_time'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
