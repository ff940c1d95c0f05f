{#- Top-k similar products per product and method. Pair methods come from item_cooccurrence
    (confidence is directional: P(similar | product)); cooccurrence_vector_cosine is the
    notebook's cosine between co-occurrence vectors. -#}

with

cooccurrence as (

    select * from {{ ref('item_cooccurrence') }}

),

vector_similarities as (

    select * from {{ ref('int_cooccurrence_vector_similarity') }}

),

directed_pairs as (

    select
        product_id,
        paired_product_id as similar_product_id,
        baskets_together,
        confidence,
        lift,
        cosine,
        jaccard

    from cooccurrence

    union all

    select
        paired_product_id as product_id,
        product_id as similar_product_id,
        baskets_together,
        reverse_confidence as confidence,
        lift,
        cosine,
        jaccard

    from cooccurrence

),

pair_method_scores as (

    unpivot directed_pairs
    on confidence, lift, cosine, jaccard
    into name method value score

),

pair_method_top_k as (

    -- A top-k aggregate per product and method instead of a window that sorted all 8 rows of
    -- every pair (2 directions x 4 methods); min_by on (-score, -baskets_together,
    -- similar_product_id) keeps the window's order, ties included.
    select
        product_id,
        method,
        min_by(
            {
                'similar_product_id': similar_product_id,
                'score': score,
                'baskets_together': baskets_together
            },
            {
                'negative_score': -score,
                'negative_baskets_together': -baskets_together,
                'similar_product_id': similar_product_id
            },
            {{ var('similar_products_k') }}
        ) as top_similar

    from pair_method_scores

    group by product_id, method

),

pair_method_ranked as (

    select
        product_id,
        method,
        -- One column per struct field (similar_product_id, score, baskets_together).
        unnest(top_similar, recursive := true),  -- noqa: AL03
        generate_subscripts(top_similar, 1) as similarity_rank

    from pair_method_top_k

),

vector_method_ranked as (

    select
        vector_similarities.product_id,
        'cooccurrence_vector_cosine' as method,
        vector_similarities.similar_product_id,
        vector_similarities.score,
        coalesce(cooccurrence_lookup.baskets_together, 0) as baskets_together,
        vector_similarities.similarity_rank

    from vector_similarities

    left join directed_pairs as cooccurrence_lookup
        on
            vector_similarities.product_id = cooccurrence_lookup.product_id
            and vector_similarities.similar_product_id = cooccurrence_lookup.similar_product_id

),

top_k as (

    select * from pair_method_ranked

    union all

    select * from vector_method_ranked

)

select * from top_k
