{{ config(materialized='view') }}

with

checked_users as (

    select * from {{ ref('int_users_checked') }}

),

accepted_users as (

    select * exclude (rejection_reason, record_key)

    from checked_users

    where rejection_reason is null

)

select * from accepted_users
