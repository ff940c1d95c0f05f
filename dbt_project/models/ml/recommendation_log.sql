{{ config(materialized='incremental', on_schema_change='append_new_columns') }}

{#- Every served list ever built, appended on each run (never replaced), so past
    recommendations can be joined to later orders for backtests in SQL. -#}

with

served_lists as (

    select
        run_id,
        generated_at,
        model,
        mode,
        user_id,
        rank,
        product_id,
        score,
        fallback_tier,
        '{{ invocation_id }}' as dbt_invocation_id

    from {{ ref('recommendations') }}

    where purpose = 'serving'

)

select * from served_lists
