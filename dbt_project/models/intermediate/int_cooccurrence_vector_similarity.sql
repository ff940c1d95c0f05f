{{ config(materialized='table') }}

{#- The co-occurrence notebook's method: each product is its vector of co-occurrence counts
    with the other products (zero diagonal), and similar products are the nearest by cosine.
    It runs on the products with at least `vector_cosine_min_baskets` training baskets (at most
    the `vector_cosine_max_products` most frequent), the vectors span those same products, and
    pairs below min_support count as 0. Vectors are fixed-size arrays so DuckDB's
    array_cosine_similarity does the arithmetic. -#}
{%- set dimensions = var('vector_cosine_max_products') -%}

with

cooccurrence as (

    select * from {{ ref('item_cooccurrence') }}

),

product_baskets as (

    select
        product_id,
        count(distinct order_id) as basket_count

    from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

    group by product_id

),

frequent_products as (

    select
        product_id,
        row_number() over (order by basket_count desc, product_id asc) as vector_position

    from product_baskets

    where basket_count >= {{ var('vector_cosine_min_baskets') }}

    order by vector_position

    limit {{ dimensions }}

),

pair_counts_both_ways as (

    select
        product_id,
        paired_product_id,
        baskets_together
    from cooccurrence

    union all

    select
        paired_product_id as product_id,
        product_id as paired_product_id,
        baskets_together

    from cooccurrence

),

vector_cells as (

    select
        anchor_products.product_id,
        other_products.vector_position,
        coalesce(pair_counts_both_ways.baskets_together, 0)::float as baskets_together

    from frequent_products as anchor_products

    cross join frequent_products as other_products

    left join pair_counts_both_ways
        on
            anchor_products.product_id = pair_counts_both_ways.product_id
            and other_products.product_id = pair_counts_both_ways.paired_product_id

),

product_vectors as (

    select
        product_id,
        list_resize(
            list(baskets_together order by vector_position), {{ dimensions }}, 0
        )::float[{{ dimensions }}] as cooccurrence_vector

    from vector_cells

    group by product_id

),

vector_similarities as (

    select
        anchor_vectors.product_id,
        other_vectors.product_id as similar_product_id,
        array_cosine_similarity(
            anchor_vectors.cooccurrence_vector, other_vectors.cooccurrence_vector
        ) as score

    from product_vectors as anchor_vectors

    inner join product_vectors as other_vectors
        on anchor_vectors.product_id != other_vectors.product_id

),

positive_similarities as (

    select * from vector_similarities

    where score > 0

),

top_similarities as (

    {{ top_similar('positive_similarities', var('similar_products_k')) | indent(4) }}

)

select * from top_similarities
