{{ config(materialized='table') }}

{#- Training baskets as (basket index, product index) pairs of integers, keeping only products
    in at least `min_support` baskets: a pair cannot be bought together more often than either
    of its products, so the others can never reach the support threshold. -#}

with

training_lines as (

    select
        order_id,
        product_id
    from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

),

basket_products as (

    select distinct
        order_id,
        product_id
    from training_lines

),

product_baskets as (

    select
        product_id,
        count(*) as basket_count

    from basket_products

    group by product_id

),

frequent_products as (

    select
        product_id,
        basket_count,
        -- Product indexes follow product_id so that index order is id order; 32-bit integers
        -- keep the pair join and count narrow.
        (row_number() over (order by product_id asc))::integer as product_index

    from product_baskets

    where basket_count >= {{ var('min_support') }}

),

basket_index as (

    select
        order_id,
        -- Any numbering will do for baskets: skip the sort.
        (row_number() over ())::integer as basket_index

    from (select distinct order_id from basket_products) as baskets

),

indexed_basket_products as (

    select
        basket_index.basket_index,
        frequent_products.product_index,
        frequent_products.product_id,
        frequent_products.basket_count

    from basket_products

    inner join frequent_products
        on basket_products.product_id = frequent_products.product_id

    inner join basket_index
        on basket_products.order_id = basket_index.order_id

)

select * from indexed_basket_products
