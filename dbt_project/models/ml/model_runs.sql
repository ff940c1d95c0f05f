{%- set global_parameters = {'rank_by': 'orders', 'top_k': var('top_k')} -%}
{%- set personal_parameters = {'rank_by': 'orders, then recency', 'top_k': var('top_k')} -%}
{%- set item_to_item_parameters = {
    'similarity': var('item_to_item_similarity'),
    'history_items': var('item_to_item_history'),
    'min_support': var('min_support'),
    'top_k': var('top_k'),
} -%}

{#- One row per trained model run: parameters, the data it saw, training time and rows out.
    SQL baselines run inside dbt: their run id is the dbt invocation and their parameters the
    vars they read. -#}

with

python_runs as (

    {% for runs in [
        'als_training_runs',
        'tfrs_training_runs',
        'sequence_training_runs',
        'ranker_training_runs',
    ] %}
        select
            run_id,
            model,
            purpose,
            parameters,
            data_fingerprint,
            training_seconds,
            trained_at

        from {{ ref(runs) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

validation_metrics as (

    select
        run_id,
        model,
        purpose,
        validation_metrics

    from {{ ref('ranker_training_runs') }}

),

sql_baselines as (

    select
        '{{ invocation_id }}' as run_id,
        baseline.model,
        purposes.purpose,
        baseline.parameters,
        null as data_fingerprint,
        null::double as training_seconds,
        current_timestamp::timestamp as trained_at

    from (
        values
        ('global_popularity', '{{ tojson(global_parameters) }}'),
        ('personal_popularity', '{{ tojson(personal_parameters) }}'),
        ('item_to_item', '{{ tojson(item_to_item_parameters) }}')
    ) as baseline (model, parameters)

    cross join (values ('evaluation'), ('serving')) as purposes (purpose)

),

all_runs as (

    select * from python_runs

    union all

    select * from sql_baselines

),

rows_out as (

    select
        model,
        purpose,
        count(*) as rows_out,
        count(*) filter (where fallback_tier = 'model') as model_rows_out

    from {{ ref('recommendations') }}

    group by model, purpose

),

runs_with_output as (

    select
        all_runs.*,
        coalesce(rows_out.rows_out, 0) as rows_out,
        coalesce(rows_out.model_rows_out, 0) as model_rows_out,
        validation_metrics.validation_metrics

    from all_runs

    left join rows_out
        on
            all_runs.model = rows_out.model
            and all_runs.purpose = rows_out.purpose

    left join validation_metrics
        on
            all_runs.run_id = validation_metrics.run_id
            and all_runs.model = validation_metrics.model
            and all_runs.purpose = validation_metrics.purpose

)

select * from runs_with_output
