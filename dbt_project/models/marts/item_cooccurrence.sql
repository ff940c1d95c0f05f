{#- Pairs of products bought in the same training basket at least `min_support` times. Each
    unordered pair is counted once (product_id < paired_product_id), on integer indexes. -#}

with

indexed_basket_products as (

    select * from {{ ref('int_basket_products_indexed') }}

),

training_baskets as (

    select count(distinct order_id)::double as basket_count

    from {{ ref('int_order_lines_enriched') }}

    where not is_holdout

),

anchor_products as (select * from indexed_basket_products),

paired_products as (select * from indexed_basket_products),

pair_counts as (

    select
        anchor_products.product_index,
        paired_products.product_index as paired_product_index,
        count(*) as baskets_together

    from anchor_products

    inner join paired_products
        on
            anchor_products.basket_index = paired_products.basket_index
            and anchor_products.product_index < paired_products.product_index

    group by anchor_products.product_index, paired_products.product_index

    having count(*) >= {{ var('min_support') }}

),

product_lookup as (

    select distinct
        product_index,
        product_id,
        basket_count

    from indexed_basket_products

),

scored_pairs as (

    select
        anchor_lookup.product_id,
        paired_lookup.product_id as paired_product_id,
        pair_counts.baskets_together,
        anchor_lookup.basket_count as product_baskets,
        paired_lookup.basket_count as paired_product_baskets,
        pair_counts.baskets_together / training_baskets.basket_count as support,
        pair_counts.baskets_together / anchor_lookup.basket_count as confidence,
        pair_counts.baskets_together / paired_lookup.basket_count as reverse_confidence,
        pair_counts.baskets_together * training_baskets.basket_count
        / (anchor_lookup.basket_count * paired_lookup.basket_count) as lift,
        pair_counts.baskets_together
        / sqrt(anchor_lookup.basket_count * paired_lookup.basket_count) as cosine,
        pair_counts.baskets_together
        / (anchor_lookup.basket_count + paired_lookup.basket_count - pair_counts.baskets_together)
            as jaccard

    from pair_counts

    inner join product_lookup as anchor_lookup
        on pair_counts.product_index = anchor_lookup.product_index

    inner join product_lookup as paired_lookup
        on pair_counts.paired_product_index = paired_lookup.product_index

    cross join training_baskets

)

select * from scored_pairs
