with

source as (

    select * from {{ ref('raw_sessions') }}

),

renamed as (

    select

        ---------- ids
        {{ clean_id('session_id') }} as session_id,
        {{ clean_id('user_id') }} as user_id,
        {{ clean_id('order_id') }} as order_id,

        ---------- time
        {{ safe_cast('started_at', 'timestamp') }} as started_at,

        ---------- numerics
        {{ safe_cast('page_views', 'integer') }} as page_views,
        {{ safe_cast('session_seconds', 'double') }} as session_seconds,

        ---------- row-level problems, first match wins
        case
            when {{ clean_id('session_id') }} is null then 'null_session_id'
            when {{ clean_id('user_id') }} is null then 'null_user_id'
            when {{ fails_cast('started_at', 'timestamp') }} then 'invalid_started_at'
            when {{ fails_cast('page_views', 'integer') }} then 'non_numeric_page_views'
            when {{ fails_cast('session_seconds', 'double') }} then 'non_numeric_session_seconds'
        end as row_issue,

        ---------- lineage
        source_file,
        source_row_number

    from source

)

select * from renamed
