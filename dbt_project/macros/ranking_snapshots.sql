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

{#- The label-length windows a group's history orders fall in, as a 64-bit mask: window w
    (bit w) holds the orders 21 * w to 21 * w + 20 days before the snapshot's cutoff when
    holdout_weeks is 3, so bit 0 is the last window before the cutoff. The label is "bought in
    the next window", and the share of past windows with a purchase estimates it directly,
    which order counts cannot (a weekly shopper and a monthly one differ). Orders more than 64
    windows back are left out. bit_count(mask & (2^n - 1)) counts the last n windows. Reads
    day_number, is_<snapshot>_history and <snapshot>_reference_day. -#}
{% macro label_window_mask(snapshot) %}
    {%- set window_days = var('holdout_weeks') * 7 -%}
    {%- set days_back = '(' ~ snapshot ~ '_reference_day - 1 - day_number)' -%}
    bit_or(1::ubigint << ({{ days_back }} // {{ window_days }})) {{
        history_filter(snapshot, days_back ~ ' < ' ~ 64 * window_days)
    }}
{%- endmacro %}

{#- How many of the last `windows` label-length windows a label_window_mask marks (0 when
    null); windows=none counts all 64. -#}
{% macro windows_in_mask(mask, windows=none) %}
    {%- if windows is none -%}
        coalesce(bit_count({{ mask }}), 0)
    {%- else -%}
        coalesce(bit_count({{ mask }} & {{ 2 ** windows - 1 }}::ubigint), 0)
    {%- endif -%}
{%- endmacro %}

{#- The filter clause that keeps an aggregate to a snapshot's history orders (and `condition`
    when given). The serving snapshot's history is every order, so its aggregates get no
    filter for the history: DuckDB keeps `filter (where true)` and evaluates it row by row. -#}
{% macro history_filter(snapshot, condition=none) %}
    {%- set conditions = [] -%}
    {%- if snapshot != 'serving' -%}
        {%- do conditions.append('is_' ~ snapshot ~ '_history') -%}
    {%- endif -%}
    {%- if condition is not none -%}
        {%- do conditions.append(condition) -%}
    {%- endif -%}
    {%- if conditions -%}
        filter (where {{ conditions | join(' and ') }})
    {%- endif -%}
{%- endmacro %}
