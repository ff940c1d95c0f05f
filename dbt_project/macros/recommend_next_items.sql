{#- The GRU next-item model in SQL: the top k next products for a basket of product names (in
    add-to-cart order), the same list as `python -m models_py.sequential <names>`.

    It replays the Keras GRU (reset_after) over the basket, one CTE per item, from the stored
    input embeddings (sequence_item_embeddings) and kernels (sequence_gru_weights):
        z = sigmoid(x.Wz + bz + h.Uz + cz)   r = sigmoid(x.Wr + br + h.Ur + cr)
        h' = z * h + (1 - z) * tanh(x.Wh + bh + r * (h.Uh + ch))
    then scores every product by its target embedding . h. A name shared by several products
    means its most ordered product; unknown names are skipped.

    Use: dbt show --inline "{{ recommend_next_items(['Sour Cream', 'Tortillas']) }}"  -#}
{% macro recommend_next_items(product_names, k=10) %}

with

named_products as (

    select
        product_id,
        product_name,
        row_number() over (
            partition by product_name
            order by order_count desc, product_id asc
        ) as name_rank

    from {{ ref('product_features') }}

),

basket as (

    select
        basket_items.position,
        named_products.product_id

    from (
        values
        {%- for name in product_names %}
            ('{{ name | replace("'", "''") }}', {{ loop.index }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as basket_items (product_name, position)

    inner join named_products
        on
            basket_items.product_name = named_products.product_name
            and named_products.name_rank = 1

),

known_basket as (

    select
        basket.product_id,
        embeddings.input_embedding::double [] as input_embedding,
        row_number() over (order by basket.position) as step

    from basket

    inner join {{ ref('sequence_item_embeddings') }} as embeddings
        on basket.product_id = embeddings.product_id

),

weights as (

    select
        gate,
        unit,
        input_weights::double [] as input_weights,
        recurrent_weights::double [] as recurrent_weights,
        input_bias,
        recurrent_bias

    from {{ ref('sequence_gru_weights') }}

),

state_0 as (

    select list(0.0::double order by unit) as hidden_state

    from weights

    where gate = 'z'

),

{% for step in range(1, product_names | length + 1) %}
    gates_{{ step }} as (

        select
            weights.unit,
            weights.gate,
            list_dot_product(weights.input_weights, known_basket.input_embedding)
            + weights.input_bias as from_input,
            list_dot_product(weights.recurrent_weights, previous.hidden_state)
            + weights.recurrent_bias as from_state,
            previous.hidden_state[weights.unit] as previous_value

        from weights

        cross join state_{{ step - 1 }} as previous

        inner join known_basket
            on known_basket.step = {{ step }}

    ),

    units_{{ step }} as (

        select
            unit,
            any_value(previous_value) as previous_value,
            1 / (1 + exp(-max(from_input + from_state) filter (where gate = 'z'))) as update_gate,
            1 / (1 + exp(-max(from_input + from_state) filter (where gate = 'r'))) as reset_gate,
            max(from_input) filter (where gate = 'h') as candidate_input,
            max(from_state) filter (where gate = 'h') as candidate_state

        from gates_{{ step }}

        group by unit

    ),

    state_{{ step }} as (

        {#- A step without a known item (fewer known names than steps) keeps the state. #}
        select
            coalesce(
                (
                    select
                        list(
                            update_gate * previous_value
                            + (1 - update_gate)
                            * tanh(candidate_input + reset_gate * candidate_state)
                            order by unit
                        )
                    from units_{{ step }}
                    having count(*) > 0
                ),
                previous.hidden_state
            ) as hidden_state

        from state_{{ step - 1 }} as previous

    ),

{% endfor %}
scores as (

    select
        embeddings.product_id,
        list_dot_product(
            embeddings.target_embedding::double [], final_state.hidden_state
        ) as score

    from {{ ref('sequence_item_embeddings') }} as embeddings

    cross join state_{{ product_names | length }} as final_state

),

ranked as (

    select
        scores.product_id,
        named_products.product_name,
        scores.score,
        row_number() over (order by scores.score desc, scores.product_id asc) as next_item_rank

    from scores

    left join named_products
        on scores.product_id = named_products.product_id

)

select * from ranked

where next_item_rank <= {{ k }}

order by next_item_rank

{% endmacro %}
