{{ config(materialized='view') }}

with

checked_products as (

    select * from {{ ref('int_products_checked') }}

),

accepted_products as (

    select * exclude (rejection_reason, record_key)

    from checked_products

    where rejection_reason is null

)

select * from accepted_products
