{#- The orders each snapshot of the two-stage ranker sees, and the orders it is labelled by.
    A snapshot is a cutoff: features come from its `history` orders only, labels from its
    `label` orders (the period right after the cutoff).
    - training, training_2, ... (var ranker_training_cutoffs of them): the training period cut
      into windows of `holdout_weeks` weeks from its end by the same rule as the holdout in
      int_orders_sequenced (weeks, else timestamps, else each user's last orders, else days);
      training_n is labelled by window n and learns from the windows before it. The
      evaluated ranker is trained on them.
    - evaluation: history = the training period; labels = the holdout. The evaluated ranker
      scores it; the served ranker is trained on it (and the training snapshots but the oldest).
    - serving: history = every order; no labels. -#}

with

orders as (

    select * from {{ ref('int_orders_sequenced') }}

),

accepted_orders as (

    select * from {{ ref('int_orders') }}

),

split_kind as (

    -- The same precedence as the holdout: the data's own weeks, timestamps, eval sets, days.
    select
        count(week_number) > 0 as has_week_numbers,
        count(ordered_at) > 0 as has_timestamps,
        count(eval_set) > 0 as has_eval_sets

    from accepted_orders

),

training_bounds as (

    select
        max(week_number) as last_week_number,
        max(ordered_at) as last_ordered_at,
        max(day_number) as last_day_number

    from orders

    where not is_holdout

),

training_orders as (

    select
        *,
        max(order_number) over (partition by user_id) as last_training_order_number

    from orders

    where not is_holdout

),

training_windows as (

    -- 1 = the training period's last holdout_weeks weeks (its last order per user for eval
    -- sets), 2 = the weeks before, and so on.
    select
        training_orders.order_id,
        case
            when split_kind.has_week_numbers
                then (training_bounds.last_week_number - training_orders.week_number)
                    // {{ var('holdout_weeks') }} + 1
            when split_kind.has_timestamps
                then floor(
                        epoch(training_bounds.last_ordered_at - training_orders.ordered_at)
                        / (7 * 86400 * {{ var('holdout_weeks') }})
                    )::integer + 1
            when split_kind.has_eval_sets
                then training_orders.last_training_order_number - training_orders.order_number + 1
            else (training_bounds.last_day_number - training_orders.day_number)
                // (7 * {{ var('holdout_weeks') }}) + 1
        end as training_window

    from training_orders

    cross join split_kind

    cross join training_bounds

),

orders_with_periods as (

    select
        orders.order_id,
        orders.user_id,
        orders.day_number,
        orders.week_number,
        orders.order_number,
        orders.is_holdout,
        training_windows.training_window

    from orders

    left join training_windows
        on orders.order_id = training_windows.order_id

),

snapshot_orders as (

    {% for cutoff in range(1, var('ranker_training_cutoffs') + 1) %}
        select
            '{{ "training" if cutoff == 1 else "training_" ~ cutoff }}' as snapshot,
            *,
            case
                when training_window = {{ cutoff }} then 'label' else 'history'
            end as role

        from orders_with_periods

        where not is_holdout and training_window >= {{ cutoff }}

        union all
    {% endfor %}

    select
        'evaluation' as snapshot,
        *,
        case when is_holdout then 'label' else 'history' end as role

    from orders_with_periods

    union all

    select
        'serving' as snapshot,
        *,
        'history' as role

    from orders_with_periods

),

history_days as (

    select
        snapshot,
        user_id,
        max(day_number) as last_history_day

    from snapshot_orders

    where role = 'history'

    group by snapshot, user_id

),

snapshot_history_days as (

    select
        snapshot,
        max(last_history_day) as last_history_day

    from history_days

    group by snapshot

),

final as (

    -- reference_day: the first day after the snapshot's history, the "today" of its recency
    -- features; per user where days are relative per user (eval-set splits such as Instacart).
    -- Aggregates joined back: max() windows over three snapshot partitions ran single-threaded.
    select
        snapshot_orders.snapshot,
        snapshot_orders.order_id,
        snapshot_orders.user_id,
        snapshot_orders.day_number,
        snapshot_orders.week_number,
        snapshot_orders.order_number,
        snapshot_orders.role,
        case
            when
                split_kind.has_eval_sets
                and not split_kind.has_week_numbers
                and not split_kind.has_timestamps
                then history_days.last_history_day
            else snapshot_history_days.last_history_day
        end + 1 as reference_day

    from snapshot_orders

    cross join split_kind

    left join history_days
        on
            snapshot_orders.snapshot = history_days.snapshot
            and snapshot_orders.user_id = history_days.user_id

    left join snapshot_history_days
        on snapshot_orders.snapshot = snapshot_history_days.snapshot

)

select * from final
