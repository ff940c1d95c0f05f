{{ config(materialized='view') }}

with

checked_orders as (

    select * from {{ ref('int_orders_checked') }}

),

accepted_orders as (

    select * exclude (rejection_reason, record_key)

    from checked_orders

    where rejection_reason is null

)

select * from accepted_orders
