with

staged_sessions as (

    select * from {{ ref('stg_sessions') }}

),

sessions_ranked_within_id as (

    select
        *,
        row_number() over (
            partition by session_id order by source_row_number
        ) as occurrence_number

    from staged_sessions

),

sessions_checked as (

    select
        * exclude (row_issue, occurrence_number),
        coalesce(
            row_issue,
            case when occurrence_number > 1 then 'duplicate_session' end
        ) as rejection_reason,
        session_id as record_key

    from sessions_ranked_within_id

)

select * from sessions_checked
