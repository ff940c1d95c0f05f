{#- The weeks each ranking snapshot predicts (its target period): the label weeks for
    training and evaluation, and for serving the campaign week (var campaign_week; default the
    latest week of the promotions data, else the week after the last order). The first target
    week is the snapshot's campaign week: the week campaign_slates and promo_targets are for. -#}

with

snapshot_orders as (

    select * from {{ ref('int_ranking_snapshot_orders') }}

),

promotions as (

    select * from {{ ref('int_promotions') }}

),

label_weeks as (

    select distinct
        snapshot,
        week_number

    from snapshot_orders

    where role = 'label'

),

serving_week as (

    select
        'serving' as snapshot,
        coalesce(
            {{ var('campaign_week', none) if var('campaign_week', none) is not none else 'null' }},
            (select max(promotions.week_number) from promotions),
            (select max(snapshot_orders.week_number) + 1 from snapshot_orders)
        )::integer as week_number

),

target_weeks as (

    select * from label_weeks

    union all

    select * from serving_week

),

weeks_marked as (

    select
        snapshot,
        week_number,
        week_number = min(week_number) over (partition by snapshot) as is_campaign_week

    from target_weeks

)

select * from weeks_marked
