{{ product_stats(include_holdout=true) }}
