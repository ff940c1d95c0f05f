-- Regression guard: the build fails when a model's precision@5 on the holdout falls below the
-- configured floor (var precision_at_5_floor, repeat mode) or below global popularity in the
-- same mode on the same split. Global popularity itself is only held to the floor. Holdouts with
-- fewer than var quality_guard_min_users users (tiny fixtures) are too noisy to guard. Models in
-- var quality_guard_exempt_models are comparisons that never serve (the TFRS retrieval models
-- score below popularity on precision@5 on Complete Journey; see retrieval_accuracy).

with

precision_at_5 as (

    select
        model,
        mode,
        precision_at_k

    from {{ ref('model_metrics') }}

    where
        k = 5
        and evaluated_users >= {{ var('quality_guard_min_users') }}
        and model not in (
            {%- for exempt in var('quality_guard_exempt_models') %}
                '{{ exempt }}'{{ "," if not loop.last }}
            {%- endfor %}
        )

),

popularity as (

    select
        mode,
        precision_at_k as popularity_precision

    from precision_at_5

    where model = 'global_popularity'

),

failures as (

    select
        precision_at_5.model,
        precision_at_5.mode,
        precision_at_5.precision_at_k,
        popularity.popularity_precision,
        {{ var('precision_at_5_floor') }} as floor

    from precision_at_5

    left join popularity
        on precision_at_5.mode = popularity.mode

    where
        (
            precision_at_5.mode = 'repeat'
            and precision_at_5.precision_at_k < {{ var('precision_at_5_floor') }}
        )
        or (
            precision_at_5.model != 'global_popularity'
            and precision_at_5.precision_at_k < popularity.popularity_precision
        )

)

select * from failures
