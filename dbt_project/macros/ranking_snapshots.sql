{#- The names of the two-stage ranker's snapshots, in int_ranking_snapshot_orders' order:
    training, training_2, ... (var ranker_training_cutoffs), evaluation, serving. Models that
    pivot per snapshot loop over it, so one pass over the lines serves every snapshot. -#}
{% macro ranking_snapshots() %}
    {%- set snapshots = [] -%}
    {%- for cutoff in range(1, var('ranker_training_cutoffs') + 1) -%}
        {%- do snapshots.append('training' if cutoff == 1 else 'training_' ~ cutoff) -%}
    {%- endfor -%}
    {%- do snapshots.extend(['evaluation', 'serving']) -%}
    {{ return(snapshots) }}
{% endmacro %}

{#- Carries int_ranking_order_roles' columns (is_<snapshot>_history, <snapshot>_reference_day)
    through a group-by at order grain or finer, where each is constant per group; the history
    flags alone with reference_days=false. -#}
{% macro carried_snapshot_roles(reference_days=true) %}
    {%- for snapshot in ranking_snapshots() %}
        any_value(is_{{ snapshot }}_history) as is_{{ snapshot }}_history
        {%- if reference_days %},
        any_value({{ snapshot }}_reference_day) as {{ snapshot }}_reference_day
        {%- endif %}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{% endmacro %}
