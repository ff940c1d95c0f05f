{#- Multiplies DuckDB's worker threads by `factor` for one model (use as its pre_hook) and puts
    the previous count back after it (post_hook: restore_duckdb_threads). On 2 threads or fewer
    DuckDB's hash aggregate grows one table per thread until it holds every group; on 3 or more
    it keeps cache-sized tables and radix-partitions their rows (up to 256 partitions, each
    aggregated on its own; GROW_STRATEGY_THREAD_THRESHOLD in DuckDB's
    radix_partitioned_hashtable.cpp). For an aggregate whose groups are nearly all distinct
    (item_cooccurrence: 15.6M basket pairs into 10M pairs on Complete Journey) the count took
    3.4 CPU-seconds with 2 threads and 2.0 with 3 on 2 cores. Threads are a setting of the whole
    database, so a model running at the same time shares the extra threads. -#}
{% macro scale_duckdb_threads(factor) -%}
    set variable duckdb_threads_before = current_setting('threads');
    set threads = ceil(current_setting('threads') * {{ factor }})::integer
{%- endmacro %}

{% macro restore_duckdb_threads() -%}
    set threads = getvariable('duckdb_threads_before')
{%- endmacro %}
