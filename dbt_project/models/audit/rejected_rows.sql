{%- set checked_tables = {
    'orders': 'int_orders_checked',
    'order_lines': 'int_order_lines_checked',
    'products': 'int_products_checked',
    'promotions': 'int_promotions_checked',
    'users': 'int_users_checked',
    'sessions': 'int_sessions_checked',
} -%}

with

{% for source_table, model_name in checked_tables.items() %}
    rejected_{{ source_table }} as (

        select
            '{{ source_table }}' as source_table,
            record_key,
            rejection_reason,
            source_file,
            source_row_number

        from {{ ref(model_name) }}

        where rejection_reason is not null

    ),

{% endfor %}
all_rejected_rows as (

    {% for source_table in checked_tables %}
        select * from rejected_{{ source_table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from all_rejected_rows
