{%- set source_types = source_column_types(ref('raw_sessions')) -%}

with

source as (

    select * from {{ ref('raw_sessions') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('session_id', source_types) }} as session_id,
        {{ clean_id('user_id', source_types) }} as user_id,
        {{ clean_id('order_id', source_types) }} as order_id,

        ---------- time
        {{ safe_cast('started_at', 'timestamp', source_types) }} as started_at,

        ---------- numerics
        {{ safe_cast('page_views', 'integer', source_types) }} as page_views,
        {{ safe_cast('session_seconds', 'double', source_types) }} as session_seconds,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('session_id', source_types) }} is null then 'null_session_id'
            when {{ clean_id('user_id', source_types) }} is null then 'null_user_id'
            when {{ fails_cast('started_at', 'timestamp', source_types) }} then 'invalid_started_at'
            when {{ fails_cast('page_views', 'integer', source_types) }}
                then 'non_numeric_page_views'
            when {{ fails_cast('session_seconds', 'double', source_types) }}
                then 'non_numeric_session_seconds'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
