with

staged_users as (

    select * from {{ ref('stg_users') }}

),

users_ranked_within_id as (

    select
        *,
        row_number() over (
            partition by user_id order by source_row_number
        ) as occurrence_number

    from staged_users

),

users_checked as (

    select
        * exclude (row_issue, occurrence_number),
        coalesce(
            row_issue,
            case when occurrence_number > 1 then 'duplicate_user' end
        ) as rejection_reason,
        user_id as record_key

    from users_ranked_within_id

)

select * from users_checked
