{#- No dbt packages can be fetched offline, so the few generic tests we need live here. -#}
{% test unique_combination_of_columns(model, columns) %}

select {{ columns | join(', ') }}, count(*) as occurrences

from {{ model }}

group by {{ columns | join(', ') }}

having count(*) > 1

{% endtest %}
