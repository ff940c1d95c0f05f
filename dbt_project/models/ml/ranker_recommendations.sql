{#- The ranker's top-k lists: ranking_scores ranked per user (repeat: every candidate;
    new_items: never-bought candidates), with a reason from the strongest signal the features
    hold. model = ranker (the served learner) for both purposes, ranker_<learner> (the other
    learner) for evaluation only. -#}

with

scores as (

    select * from {{ ref('ranking_scores') }}

),

features as (

    select * from {{ ref('ranking_features') }}

),

modes as (

    select unnest(['repeat', 'new_items']) as mode

),

ranked as (

    select
        scores.model,
        modes.mode,
        scores.purpose,
        scores.user_id,
        scores.product_id,
        scores.probability,
        case modes.mode
            when 'repeat' then scores.rank_repeat
            else scores.rank_new_items
        end as rank

    from scores

    cross join modes

),

recommendations as (

    select
        ranked.model,
        ranked.mode,
        ranked.purpose,
        ranked.user_id,
        ranked.rank::bigint as rank,
        ranked.product_id,
        ranked.probability as score,
        concat_ws(
            '; ',
            case
                when features.item_order_count > 0
                    then 'bought ' || features.item_order_count || ' times, last '
                        || features.item_days_since_last || ' days ago'
            end,
            case
                when features.item_gap_ratio between 0.8 and 1.5 then 'due again'
            end,
            case
                when features.cooccurrence_rank <= 10 then 'often bought with your recent items'
            end,
            case
                when features.is_promoted_in_campaign_week then 'on promotion this week'
            end,
            case
                when features.item_order_count = 0 and features.als_new_items_rank is not null
                    then 'liked by shoppers like you'
            end,
            'purchase probability ' || round(100 * ranked.probability, 1) || '%'
        ) as reason

    from ranked

    inner join features
        on
            ranked.purpose = features.purpose
            and ranked.user_id = features.user_id
            and ranked.product_id = features.product_id

    where ranked.rank <= {{ var('top_k') }}

)

select * from recommendations
