{{ user_stats(include_holdout=true) }}
