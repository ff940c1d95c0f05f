{{ config(materialized='view') }}

with

checked_sessions as (

    select * from {{ ref('int_sessions_checked') }}

),

accepted_sessions as (

    select * exclude (rejection_reason, record_key)

    from checked_sessions

    where rejection_reason is null

)

select * from accepted_sessions
