{#- How long buyers of each product wait between two orders of it, before each snapshot's
    cutoff: one row per snapshot, product and gap length in days, with the running count of
    gaps up to that length. The product-level repurchase features (median gap, share of gaps
    within the label window) and the hazard "bought again within the label window, given d days
    since the last purchase" = (F(d + w) - F(d)) / (total - F(d)) read it, F being
    gaps_at_most. -#}

with

item_orders as (

    select * from {{ ref('int_ranking_item_orders') }}

    where days_since_previous_purchase is not null

),

gap_counts_by_snapshot as (

    select
        product_id,
        days_since_previous_purchase as gap_days,
        {% for snapshot in ranking_snapshots() %}
            count(*) filter (
                where is_{{ snapshot }}_history
            ) as {{ snapshot }}_gaps{% if not loop.last %},{% endif %}
        {% endfor %}

    from item_orders

    group by product_id, days_since_previous_purchase

),

gap_counts as (

    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            product_id,
            gap_days,
            {{ snapshot }}_gaps as gaps

        from gap_counts_by_snapshot

        where {{ snapshot }}_gaps > 0

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

cumulative_gaps as (

    select
        snapshot,
        product_id,
        gap_days,
        gaps,
        sum(gaps) over gaps_so_far as gaps_at_most,
        sum(gaps) over product_gaps as total_gaps

    from gap_counts

    window
        product_gaps as (partition by snapshot, product_id),
        gaps_so_far as (
            partition by snapshot, product_id
            order by gap_days asc
            rows between unbounded preceding and current row
        )

)

select * from cumulative_gaps
