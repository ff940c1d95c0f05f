{#- Multiplies DuckDB's worker threads by `factor` for one model (use as its pre_hook) and puts
    the previous count back after it (post_hook: restore_duckdb_threads). DuckDB sizes each
    thread's aggregate hash table by its share of the CPU caches, so more threads than cores
    means smaller tables that spill to partitions sooner: for an aggregate whose groups are
    nearly all distinct (item_cooccurrence: 15.6M basket pairs into 10M pairs on Complete
    Journey) that measured 2x faster with 3 threads than 2 on 2 cores. Threads are a setting of
    the whole database, so a model running at the same time shares the extra threads. -#}
{% macro scale_duckdb_threads(factor) -%}
    set variable duckdb_threads_before = current_setting('threads');
    set threads = ceil(current_setting('threads') * {{ factor }})::integer
{%- endmacro %}

{% macro restore_duckdb_threads() -%}
    set threads = getvariable('duckdb_threads_before')
{%- endmacro %}
