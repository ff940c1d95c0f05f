{{ config(materialized='view') }}

{#- Every order line each ranking snapshot may learn from or be labelled by (see
    int_ranking_snapshot_orders): the line, its order's role in the snapshot and the snapshot's
    reference day. A view: a table would copy every line once per snapshot, and its readers
    (labels, recent baskets) want a few windows of it. The per-snapshot features read each line
    once instead, with its order's per-snapshot flags (int_order_lines_enriched). -#}

with

snapshot_orders as (

    select * from {{ ref('int_ranking_snapshot_orders') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

snapshot_lines as (

    select
        snapshot_orders.snapshot,
        snapshot_orders.role,
        snapshot_orders.reference_day,
        snapshot_orders.order_number,
        order_lines.order_id,
        order_lines.user_id,
        order_lines.product_id,
        order_lines.category,
        order_lines.day_number,
        order_lines.week_number,
        order_lines.quantity,
        order_lines.sales_value,
        order_lines.unit_price

    from snapshot_orders

    inner join order_lines
        on snapshot_orders.order_id = order_lines.order_id

)

select * from snapshot_lines
