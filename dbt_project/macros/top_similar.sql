{#- The top k rows per product of a (product_id, similar_product_id, score) relation, as
    (product_id, similar_product_id, score, similarity_rank). A top-n aggregate per product
    instead of ranking all n^2 pairs with a window: an order of magnitude faster. Equal scores
    rank by similar_product_id, so a rebuild gives the same lists. -#}
{% macro top_similar(similarities, k) %}

with

top_similar_lists as (

    select
        product_id,
        min_by(
            {'similar_product_id': similar_product_id, 'score': score},
            {'negative_score': -score, 'similar_product_id': similar_product_id},
            {{ k }}
        ) as top_similar

    from {{ similarities }}

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

{% endmacro %}
