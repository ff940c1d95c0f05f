{{ config(materialized='external') }}

{{ user_stats(include_holdout=false) }}
