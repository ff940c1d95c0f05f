{{ config(materialized='external') }}

{{ user_item_interactions(include_holdout=true) }}
