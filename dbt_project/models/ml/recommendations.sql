{#- Every model's top-k lists in one long table, each filled to exactly top_k by the cold-start
    cascade: the model's own list first (fallback_tier = model), then the products most ordered
    by households of the user's segment (segment_popular, where demographics exist), then the
    most ordered products overall (global_popular). In new_items mode nothing the user already
    bought is added. purpose = evaluation: models trained on the training period, lists for the
    holdout users; serving: trained on every order, lists for every user. -#}

{%- set model_lists = [
    'rec_global_popularity',
    'rec_personal_popularity',
    'rec_item_to_item',
    'als_recommendations',
    'tfrs_recommendations',
    'ranker_recommendations',
] -%}
{%- set depth = var('top_k') * 3 -%}

with

{% for model_name in model_lists %}
    {{ model_name }} as (

        select
            model,
            mode,
            purpose,
            user_id,
            rank,
            product_id,
            score,
            reason

        from {{ ref(model_name) }}

    ),

{% endfor %}
model_rows as (

    {% for model_name in model_lists %}
        select * from {{ model_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

recommendation_users as (

    select * from {{ ref('int_recommendation_users') }}

),

history as (

    select * from {{ ref('int_user_histories') }}

),

segment_orders as (

    select
        recommendation_users.purpose,
        recommendation_users.segment,
        history_lines.product_id,
        count(distinct history_lines.order_id) as order_count

    from {{ ref('int_order_lines_enriched') }} as history_lines

    inner join recommendation_users
        on history_lines.user_id = recommendation_users.user_id

    where
        recommendation_users.segment is not null
        and (recommendation_users.purpose = 'serving' or not history_lines.is_holdout)

    group by all

),

segment_popular as (

    select
        purpose,
        segment,
        product_id,
        order_count,
        row_number() over (
            partition by purpose, segment order by order_count desc, product_id asc
        ) as rank

    from segment_orders

),

global_orders as (

    select
        'evaluation' as purpose,
        product_id,
        order_count,
        popularity_rank as rank
    from {{ ref('product_features') }}

    where order_count > 0

    union all

    select
        'serving' as purpose,
        product_id,
        order_count,
        popularity_rank as rank
    from {{ ref('product_stats') }}

    where order_count > 0

),

list_keys as (

    {#- A model trained for one purpose only (e.g. tfrs_id: evaluation) lists only that one. #}
    select distinct
        model,
        mode,
        purpose
    from model_rows

),

user_lists as (

    select
        list_keys.model,
        list_keys.mode,
        recommendation_users.purpose,
        recommendation_users.user_id,
        recommendation_users.segment

    from list_keys

    inner join recommendation_users
        on list_keys.purpose = recommendation_users.purpose

),

candidates as (

    select
        model_rows.model,
        model_rows.mode,
        model_rows.purpose,
        model_rows.user_id,
        model_rows.product_id,
        model_rows.score,
        model_rows.reason,
        'model' as fallback_tier,
        1 as tier_order,
        model_rows.rank as tier_rank

    from model_rows

    inner join recommendation_users
        on
            model_rows.purpose = recommendation_users.purpose
            and model_rows.user_id = recommendation_users.user_id

    union all

    select
        user_lists.model,
        user_lists.mode,
        user_lists.purpose,
        user_lists.user_id,
        segment_popular.product_id,
        segment_popular.order_count::double as score,
        'popular with ' || user_lists.segment || ' households' as reason,
        'segment_popular' as fallback_tier,
        2 as tier_order,
        segment_popular.rank as tier_rank

    from user_lists

    inner join segment_popular
        on
            user_lists.purpose = segment_popular.purpose
            and user_lists.segment = segment_popular.segment

    where segment_popular.rank <= {{ depth }}

    union all

    select
        user_lists.model,
        user_lists.mode,
        user_lists.purpose,
        user_lists.user_id,
        global_orders.product_id,
        global_orders.order_count::double as score,
        'popular overall' as reason,
        'global_popular' as fallback_tier,
        3 as tier_order,
        global_orders.rank as tier_rank

    from user_lists

    inner join global_orders
        on user_lists.purpose = global_orders.purpose

    where global_orders.rank <= {{ depth }}

),

allowed_candidates as (

    select candidates.*

    from candidates

    left join history
        on
            candidates.purpose = history.purpose
            and candidates.user_id = history.user_id
            and candidates.product_id = history.product_id

    where candidates.mode = 'repeat' or history.product_id is null

),

first_appearances as (

    select
        *,
        row_number() over (
            partition by model, mode, purpose, user_id, product_id
            order by tier_order, tier_rank
        ) as appearance

    from allowed_candidates

),

ranked_lists as (

    select
        * exclude (appearance),
        row_number() over (
            partition by model, mode, purpose, user_id
            order by tier_order, tier_rank, product_id
        ) as rank

    from first_appearances

    where appearance = 1

),

model_runs as (

    select
        model,
        purpose,
        run_id

    from {{ ref('als_training_runs') }}

),

products as (

    select * from {{ ref('int_products') }}

),

final_lists as (

    select
        ranked_lists.model,
        ranked_lists.mode,
        ranked_lists.purpose,
        ranked_lists.user_id,
        ranked_lists.rank,
        ranked_lists.product_id,
        products.product_name,
        products.department,
        products.category,
        ranked_lists.score,
        ranked_lists.reason,
        ranked_lists.fallback_tier,
        coalesce(model_runs.run_id, '{{ invocation_id }}') as run_id,
        current_timestamp as generated_at

    from ranked_lists

    inner join products
        on ranked_lists.product_id = products.product_id

    left join model_runs
        on
            ranked_lists.model = model_runs.model
            and ranked_lists.purpose = model_runs.purpose

    where ranked_lists.rank <= {{ var('top_k') }}

)

select * from final_lists
