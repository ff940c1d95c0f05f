-- Products similar to one product, by every similarity method, with names: the "customers also
-- bought" shelf and a sanity check of the co-occurrence tables.
--   dbt compile --select similar_products_for_product --vars '{product_id: "1082185", top_n: 5}'
-- Without product_id: the most ordered product. Methods: see marts.similar_products.
{#- Ids given as vars become quoted literals; without them SQL picks a default. #}
{%- set product_id = var('product_id', none) %}
{%- set product_id_expression = (
    "'" ~ (product_id | string | replace("'", "''")) ~ "'"
) if product_id is not none else (
    "arg_max(product_id, order_count)"
) %}
{%- set top_n = var('top_n', 5) | int %}

with

similar_products as (

    select * from {{ ref('similar_products').include(database=false) }}

),

product_stats as (

    select * from {{ ref('product_stats').include(database=false) }}

),

chosen_product as (

    select
        {{ product_id_expression }} as product_id

    from product_stats

),

similar_to_chosen as (

    select
        similar_products.product_id,
        anchor_products.product_name,
        similar_products.method,
        similar_products.similarity_rank,
        similar_products.similar_product_id,
        neighbour_products.product_name as similar_product_name,
        neighbour_products.category as similar_product_category,
        similar_products.score,
        similar_products.baskets_together

    from similar_products

    inner join chosen_product
        on similar_products.product_id = chosen_product.product_id

    left join product_stats as anchor_products
        on similar_products.product_id = anchor_products.product_id

    left join product_stats as neighbour_products
        on similar_products.similar_product_id = neighbour_products.product_id

    where similar_products.similarity_rank <= {{ top_n }}

)

select * from similar_to_chosen
order by method asc, similarity_rank asc
