{#- The co-occurrence notebook's offline check: for each category and method, the share of
    products whose best similar product is in the same category, and the coverage (share of the
    category's products sold in training that have any similar product). -#}

with

similar_products as (

    select * from {{ ref('similar_products') }}

),

products as (

    select * from {{ ref('int_products') }}

),

training_products as (

    select distinct product_id from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

),

methods as (

    select distinct method from similar_products

),

best_matches as (

    select
        similar_products.method,
        similar_products.product_id,
        anchor_products.category,
        similar_product_details.category = anchor_products.category as is_same_category

    from similar_products

    inner join products as anchor_products
        on similar_products.product_id = anchor_products.product_id

    inner join products as similar_product_details
        on similar_products.similar_product_id = similar_product_details.product_id

    where similar_products.similarity_rank = 1

),

category_sizes as (

    select
        products.category,
        count(*) as products_sold

    from training_products

    inner join products
        on training_products.product_id = products.product_id

    group by products.category

),

validation as (

    select
        methods.method,
        category_sizes.category,
        category_sizes.products_sold,
        count(best_matches.product_id) as products_with_similar,
        count(best_matches.product_id) / category_sizes.products_sold as coverage,
        avg(best_matches.is_same_category::int) as same_category_share

    from methods

    cross join category_sizes

    left join best_matches
        on
            methods.method = best_matches.method
            and category_sizes.category = best_matches.category

    group by methods.method, category_sizes.category, category_sizes.products_sold

)

select * from validation
