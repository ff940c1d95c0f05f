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

top_similar_lists as (

    -- A top-n aggregate per product instead of ranking all n^2 pairs with a window.
    select
        product_id,
        max_by(
            {'similar_product_id': similar_product_id, 'score': score},
            score,
            {{ var('similar_products_k') }}
        ) as top_similar

    from similarities

    group by product_id

),

top_similar as (

    select
        product_id,
        unnest(top_similar, recursive := true),
        generate_subscripts(top_similar, 1) as similarity_rank

    from top_similar_lists

)

select * from top_similar
