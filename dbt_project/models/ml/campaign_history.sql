{#- Every campaign sent: each build appends the serving slates of its campaign week (a rebuild
    of the same week replaces that week's rows). campaign_candidates reads it to keep a user's
    previous campaign out of the next one. -#}

{{ config(
    materialized='incremental',
    unique_key=['campaign_week', 'user_id', 'rank'],
    incremental_strategy='delete+insert',
) }}

with

slates as (

    select * from {{ ref('campaign_slates') }}

    where purpose = 'serving'

),

sent as (

    select
        campaign_week,
        user_id,
        rank,
        product_id,
        slot,
        fallback_tier,
        '{{ invocation_id }}' as run_id,
        current_timestamp::timestamp as sent_at

    from slates

)

select * from sent
