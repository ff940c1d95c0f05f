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

pair_counts as (

    -- Counted in partitions of anchor products: each partition's hash table of pairs stays
    -- small enough for the CPU caches, which measured ~25% faster than one big aggregate.
    {% for partition in range(var('cooccurrence_partitions')) %}
        select
            anchor_products.product_index,
            paired_products.product_index as paired_product_index,
            count(*) as baskets_together

        from indexed_basket_products as anchor_products

        inner join indexed_basket_products as paired_products
            on
                anchor_products.basket_index = paired_products.basket_index
                and anchor_products.product_index < paired_products.product_index

        where anchor_products.product_index % {{ var('cooccurrence_partitions') }} = {{ partition }}

        group by anchor_products.product_index, paired_products.product_index

        having count(*) >= {{ var('min_support') }}

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

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
