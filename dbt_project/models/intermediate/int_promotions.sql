{{ config(materialized='view') }}

with

checked_promotions as (

    select * from {{ ref('int_promotions_checked') }}

),

accepted_promotions as (

    select * exclude (rejection_reason, record_key)

    from checked_promotions

    where rejection_reason is null

)

select * from accepted_promotions
