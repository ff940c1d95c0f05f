{#- Baseline: item-to-item collaborative filtering on basket co-occurrence. Each of the
    user's `item_to_item_history` most bought products votes for its neighbours in
    similar_products (method var item_to_item_similarity, default confidence = P(candidate |
    product)) and, as in a classic item-kNN with its diagonal kept, for itself with similarity 1;
    votes are weighted by how often the user bought the voting product. The reason names the
    product that contributed most. -#}

with

user_history as (

    select * from {{ ref('int_user_histories') }}

),

neighbours as (

    select
        product_id,
        similar_product_id,
        score as similarity

    from {{ ref('similar_products') }}

    where method = '{{ var("item_to_item_similarity") }}'

),

history_neighbours as (

    select
        user_history.purpose,
        user_history.user_id,
        user_history.product_id,
        user_history.order_count,
        user_history.history_rank,
        neighbours.similar_product_id,
        neighbours.similarity

    from user_history

    inner join neighbours
        on user_history.product_id = neighbours.product_id

    union all

    select
        purpose,
        user_id,
        product_id,
        order_count,
        history_rank,
        product_id as similar_product_id,
        1.0 as similarity

    from user_history

),

products as (

    select
        product_id,
        product_name
    from {{ ref('int_products') }}

),

votes as (

    select
        purpose,
        user_id,
        similar_product_id as product_id,
        product_id as voting_product_id,
        order_count * similarity as vote

    from history_neighbours

    where history_rank <= {{ var('item_to_item_history') }}

),

candidate_scores as (

    select
        purpose,
        user_id,
        product_id,
        sum(vote) as score,
        arg_max(voting_product_id, vote) as top_voting_product_id

    from votes

    group by purpose, user_id, product_id

),

candidates_marked as (

    select
        candidate_scores.*,
        user_history.product_id is not null as is_bought

    from candidate_scores

    left join user_history
        on
            candidate_scores.purpose = user_history.purpose
            and candidate_scores.user_id = user_history.user_id
            and candidate_scores.product_id = user_history.product_id

),

modes as (

    select unnest(['repeat', 'new_items']) as mode

),

ranked as (

    select
        modes.mode,
        candidates_marked.*,
        row_number() over (
            partition by modes.mode, candidates_marked.purpose, candidates_marked.user_id
            order by candidates_marked.score desc, candidates_marked.product_id asc
        ) as rank

    from candidates_marked

    cross join modes

    where modes.mode = 'repeat' or not candidates_marked.is_bought

),

recommendations as (

    select
        'item_to_item' as model,
        ranked.mode,
        ranked.purpose,
        ranked.user_id,
        ranked.rank,
        ranked.product_id,
        ranked.score,
        case
            when ranked.top_voting_product_id = ranked.product_id then 'you buy it regularly'
            else 'often bought with '
                || coalesce(products.product_name, ranked.top_voting_product_id)
        end as reason

    from ranked

    left join products
        on ranked.top_voting_product_id = products.product_id

    where ranked.rank <= {{ var('top_k') }}

)

select * from recommendations
