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
