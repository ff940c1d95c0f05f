{#- Offline metrics of recommendation lists against the holdout, the one evaluation code path
    of the project (model_metrics, model_metrics_by_segment and als_grid_search all call it).

    recommendations: a relation with list_columns, user_id, rank, product_id (evaluation lists).
    list_columns: the columns that identify one model's lists (e.g. ['model', 'mode']).
    segment_columns: extra columns of int_recommendation_users to slice by (e.g. ['is_cold']).

    Every evaluation user (a user with a holdout purchase) counts, with 0 hits when a list has
    no rows for them. Per user and k: precision = hits / k; recall = hits / holdout products;
    AP = sum of precision at each hit / min(holdout products, k); NDCG with binary gains;
    hit rate = any hit; money precision = value of recommended products bought / value of
    recommended products per user, averaged (the ALS notebook's money precision; average unit
    prices of the training period). Catalogue coverage =
    distinct recommended products / products sold in training; novelty = mean popularity rank
    of the recommended products (higher is more novel). -#}
{% macro evaluate_recommendations(recommendations, list_columns, segment_columns=[]) %}
{%- set list_keys = list_columns | join(', ') -%}
{%- set group_keys = (list_columns + segment_columns) | join(', ') -%}

with

lists as (

    select {{ list_keys }}, user_id, rank, product_id from {{ recommendations }}

),

evaluation_users as (

    select * from {{ ref('int_recommendation_users') }}

    where purpose = 'evaluation'

),

holdout_truth as (

    select distinct user_id, product_id from {{ ref('int_order_lines_enriched') }}

    where is_holdout

),

holdout_sizes as (

    select
        user_id,
        count(*) as holdout_products

    from holdout_truth

    group by user_id

),

training_products as (

    select
        product_id,
        average_unit_price,
        popularity_rank

    from {{ ref('product_features') }}

    where order_count > 0

),

cutoffs as (

    select unnest([5, 10, 20]) as k

),

ideal_gains as (

    -- Ideal DCG for n relevant items: sum over positions 1..n of 1 / log2(position + 1).
    select
        relevant_count,
        sum(1 / log2(position + 1)) over (order by relevant_count) as ideal_dcg

    from (select range as relevant_count, range as position from range(1, 21)) as positions

),

list_keys as (

    select distinct {{ list_keys }} from lists

),

lists_with_hits as (

    select
        lists.*,
        holdout_truth.product_id is not null as is_hit,
        count(holdout_truth.product_id) over (
            partition by {{ list_keys }}, lists.user_id order by lists.rank
        ) as hits_so_far,
        coalesce(training_products.average_unit_price, 0) as unit_price,
        training_products.popularity_rank

    from lists

    left join holdout_truth
        on
            lists.user_id = holdout_truth.user_id
            and lists.product_id = holdout_truth.product_id

    left join training_products
        on lists.product_id = training_products.product_id

),

user_cutoff_totals as (

    select
        {% for column in list_columns %}lists_with_hits.{{ column }}, {% endfor %}
        lists_with_hits.user_id,
        cutoffs.k,
        count(*) filter (where lists_with_hits.is_hit) as hits,
        sum(lists_with_hits.hits_so_far / lists_with_hits.rank)
            filter (where lists_with_hits.is_hit) as precision_at_hits,
        sum(1 / log2(lists_with_hits.rank + 1)) filter (where lists_with_hits.is_hit) as dcg,
        sum(lists_with_hits.unit_price) as recommended_value,
        sum(lists_with_hits.unit_price) filter (where lists_with_hits.is_hit) as bought_value

    from lists_with_hits

    inner join cutoffs
        on lists_with_hits.rank <= cutoffs.k

    group by all

),

user_metrics as (

    -- Every evaluation user for every list and k, 0 when the list has nothing for them.
    select
        {% for column in list_columns %}list_keys.{{ column }}, {% endfor %}
        {% for column in segment_columns %}evaluation_users.{{ column }}, {% endfor %}
        evaluation_users.user_id,
        evaluation_users.is_cold,
        cutoffs.k,
        coalesce(user_cutoff_totals.hits, 0) / cutoffs.k as precision_at_k,
        coalesce(user_cutoff_totals.hits, 0) / holdout_sizes.holdout_products as recall_at_k,
        coalesce(user_cutoff_totals.precision_at_hits, 0)
        / least(holdout_sizes.holdout_products, cutoffs.k) as average_precision,
        coalesce(user_cutoff_totals.dcg, 0) / ideal_gains.ideal_dcg as ndcg_at_k,
        coalesce(user_cutoff_totals.hits, 0) > 0 as is_hit,
        coalesce(user_cutoff_totals.bought_value, 0)
        / nullif(user_cutoff_totals.recommended_value, 0) as money_precision

    from list_keys

    cross join evaluation_users

    cross join cutoffs

    inner join holdout_sizes
        on evaluation_users.user_id = holdout_sizes.user_id

    inner join ideal_gains
        on least(holdout_sizes.holdout_products, cutoffs.k) = ideal_gains.relevant_count

    left join user_cutoff_totals
        on
            {% for column in list_columns %}list_keys.{{ column }} = user_cutoff_totals.{{ column }}
            and {% endfor %}evaluation_users.user_id = user_cutoff_totals.user_id
            and cutoffs.k = user_cutoff_totals.k

),

list_products as (

    select
        {% for column in list_columns %}lists_with_hits.{{ column }}, {% endfor %}
        {% for column in segment_columns %}evaluation_users.{{ column }}, {% endfor %}
        cutoffs.k,
        count(distinct lists_with_hits.product_id) as distinct_products,
        avg(lists_with_hits.popularity_rank) as novelty

    from lists_with_hits

    inner join evaluation_users
        on lists_with_hits.user_id = evaluation_users.user_id

    inner join cutoffs
        on lists_with_hits.rank <= cutoffs.k

    group by all

),

metrics as (

    select
        {% for column in list_columns + segment_columns %}user_metrics.{{ column }}, {% endfor %}
        user_metrics.k,
        count(*) as evaluated_users,
        count(*) filter (where user_metrics.is_cold) as cold_users,
        avg(user_metrics.precision_at_k) as precision_at_k,
        avg(user_metrics.recall_at_k) as recall_at_k,
        avg(user_metrics.average_precision) as map_at_k,
        avg(user_metrics.ndcg_at_k) as ndcg_at_k,
        avg(user_metrics.is_hit::int) as hit_rate_at_k,
        avg(user_metrics.money_precision) as money_precision_at_k,
        any_value(list_products.distinct_products)
        / (select count(*) from training_products) as catalogue_coverage,
        any_value(list_products.novelty) as novelty

    from user_metrics

    left join list_products
        on
            {% for column in list_columns + segment_columns %}user_metrics.{{ column }} is not distinct from list_products.{{ column }}
            and {% endfor %}user_metrics.k = list_products.k

    group by all

)

select * from metrics

{% endmacro %}
