{%- set tables = {
    'orders': ('raw_orders', 'int_orders_checked'),
    'order_lines': ('raw_order_lines', 'int_order_lines_checked'),
    'products': ('raw_products', 'int_products_checked'),
    'promotions': ('raw_promotions', 'int_promotions_checked'),
    'users': ('raw_users', 'int_users_checked'),
    'sessions': ('raw_sessions', 'int_sessions_checked'),
} -%}

with

{% for source_table, (raw_model, checked_model) in tables.items() %}
    {{ source_table }}_read as (

        select
            '{{ source_table }}' as source_table,
            count(*) as rows_read

        from {{ ref(raw_model) }}

    ),

    {{ source_table }}_outcomes as (

        select
            '{{ source_table }}' as source_table,
            coalesce(rejection_reason, 'accepted') as outcome,
            rejection_reason is not null as is_rejected,
            count(*) as row_count

        from {{ ref(checked_model) }}

        group by all

    ),

{% endfor %}
rows_read as (

    {% for source_table in tables %}
        select * from {{ source_table }}_read
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

outcomes as (

    {% for source_table in tables %}
        select * from {{ source_table }}_outcomes
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

outcomes_with_totals as (

    select
        rows_read.source_table,
        coalesce(outcomes.outcome, 'accepted') as outcome,
        coalesce(outcomes.is_rejected, false) as is_rejected,
        coalesce(outcomes.row_count, 0) as row_count,
        rows_read.rows_read,
        sum(case when not outcomes.is_rejected then outcomes.row_count else 0 end)
            over (partition by rows_read.source_table)
        ::bigint as rows_kept,
        sum(case when outcomes.is_rejected then outcomes.row_count else 0 end)
            over (partition by rows_read.source_table)
        ::bigint as rows_rejected,
        current_timestamp as audited_at

    from rows_read

    left join outcomes
        on rows_read.source_table = outcomes.source_table

)

select * from outcomes_with_totals
