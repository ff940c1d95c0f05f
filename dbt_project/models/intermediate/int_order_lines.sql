{{ config(materialized='view') }}

with

checked_order_lines as (

    select * from {{ ref('int_order_lines_checked') }}

),

accepted_order_lines as (

    select * exclude (rejection_reason, record_key)

    from checked_order_lines

    where rejection_reason is null

)

select * from accepted_order_lines
