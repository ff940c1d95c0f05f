{#- Products whose ALS item factors point the same way: cosine of the fixed-size factor arrays,
    top similar_products_k per product, computed in SQL. -#}

with

item_factors as (

    select * from {{ ref('als_item_factors') }}

),

similarities as (

    select
        anchor_items.product_id,
        other_items.product_id as similar_product_id,
        array_cosine_similarity(anchor_items.factors, other_items.factors) as score

    from item_factors as anchor_items

    inner join item_factors as other_items
        on anchor_items.product_id != other_items.product_id

),

top_similar as (

    {{ top_similar('similarities', var('similar_products_k')) | indent(4) }}

)

select * from top_similar
