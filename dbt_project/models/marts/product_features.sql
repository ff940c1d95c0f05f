{{ config(materialized='external') }}

{{ product_stats(include_holdout=false) }}
