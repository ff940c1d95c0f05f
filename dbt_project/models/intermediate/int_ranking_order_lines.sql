{{ config(materialized='view') }}

{#- Every history order line once, with its order's snapshot roles (int_ranking_order_roles):
    the input of the per-snapshot feature models. A view: each model reads the columns it
    needs. -#}

with

order_roles as (

    select * from {{ ref('int_ranking_order_roles') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

order_lines_with_roles as (

    select
        order_lines.order_id,
        order_lines.user_id,
        order_lines.product_id,
        order_lines.category,
        order_lines.day_number,
        order_lines.order_number,
        order_lines.quantity,
        order_lines.sales_value,
        order_lines.unit_price,
        {% for snapshot in ranking_snapshots() %}
            order_roles.is_{{ snapshot }}_history,
            order_roles.{{ snapshot }}_reference_day{% if not loop.last %},{% endif %}
        {% endfor %}

    from order_lines

    inner join order_roles
        on order_lines.order_id = order_roles.order_id

)

select * from order_lines_with_roles
