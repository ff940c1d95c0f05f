{{ config(
    pre_hook="{{ scale_duckdb_threads(var('cooccurrence_thread_factor')) }}",
    post_hook="{{ restore_duckdb_threads() }}",
) }}

{#- Pairs of products bought in the same training basket at least `min_support` times. Each
    unordered pair is counted once (product_id < paired_product_id), on integer indexes:
    baskets and products are numbered first, keeping only products in at least `min_support`
    baskets (a pair cannot be bought together more often than either of its products). The
    count is one hash aggregate over the basket pairs, run with more DuckDB threads than cores
    (var cooccurrence_thread_factor, macro scale_duckdb_threads): the whole query took
    1.0-1.2 s on Complete Journey with 3 threads on 2 cores, 2.3-2.7 s with 2 (bench/README.md).
    One aggregate beat counting 4 or 16 partitions of anchor products one after the other, and
    beat pairs unnested from per-basket lists. Rows are stored in product order, which spares
    the commit a second write (bench/README.md, 2026-12-04 evening). -#}

with

training_lines as (

    select
        order_id,
        product_id

    from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

),

basket_products as materialized (

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

frequent_products as materialized (

    select
        product_id,
        basket_count,
        -- Indexes follow product_id, so index order is id order; 32-bit integers keep the
        -- pair join and count narrow.
        (row_number() over (order by product_id asc))::integer as product_index

    from product_baskets

    where basket_count >= {{ var('min_support') }}

),

basket_index as materialized (

    select
        order_id,
        -- Any numbering will do for baskets: skip the sort.
        (row_number() over ())::integer as basket_index

    from (select distinct order_id from basket_products) as baskets

),

training_baskets as (

    select count(*)::double as basket_count from basket_index

),

indexed_basket_products as materialized (

    select
        basket_index.basket_index,
        frequent_products.product_index

    from basket_products

    inner join frequent_products
        on basket_products.product_id = frequent_products.product_id

    inner join basket_index
        on basket_products.order_id = basket_index.order_id

),

pair_counts as (

    select
        anchor_products.product_index,
        paired_products.product_index as paired_product_index,
        count(*) as baskets_together

    from indexed_basket_products as anchor_products

    inner join indexed_basket_products as paired_products
        on
            anchor_products.basket_index = paired_products.basket_index
            and anchor_products.product_index < paired_products.product_index

    group by anchor_products.product_index, paired_products.product_index

    having count(*) >= {{ var('min_support') }}

),

scored_pairs as (

    select
        pair_counts.product_index,
        pair_counts.paired_product_index,
        anchor_products.product_id,
        paired_products.product_id as paired_product_id,
        pair_counts.baskets_together,
        anchor_products.basket_count as product_baskets,
        paired_products.basket_count as paired_product_baskets,
        pair_counts.baskets_together / training_baskets.basket_count as support,
        pair_counts.baskets_together / anchor_products.basket_count as confidence,
        pair_counts.baskets_together / paired_products.basket_count as reverse_confidence,
        pair_counts.baskets_together * training_baskets.basket_count
        / (anchor_products.basket_count * paired_products.basket_count) as lift,
        pair_counts.baskets_together
        / sqrt(anchor_products.basket_count * paired_products.basket_count) as cosine,
        pair_counts.baskets_together
        / (
            anchor_products.basket_count
            + paired_products.basket_count
            - pair_counts.baskets_together
        ) as jaccard

    from pair_counts

    inner join frequent_products as anchor_products
        on pair_counts.product_index = anchor_products.product_index

    inner join frequent_products as paired_products
        on pair_counts.paired_product_index = paired_products.product_index

    cross join training_baskets

)

select * exclude (product_index, paired_product_index)

from scored_pairs

-- Stored in product order: a lookup of one product's pairs reads few row groups, and ordered
-- rows are written to disk while the query runs instead of at commit.
order by product_index, paired_product_index
