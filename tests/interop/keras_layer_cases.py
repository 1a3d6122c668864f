"""The one-layer Keras models of `test_interop_keras_layers.py`: every layer class the converter supports,
in its main configurations, and the layers it refuses with the op they would need.

A case is data: how to make the layer, the inputs (shape without the batch axis, dtype), and for a
refused layer the words its refusal must contain. Layers are made inside a function because Keras
layers hold state (one layer object cannot be used by two models)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras

L = keras.layers
Spec = tuple[tuple[int | None, ...], str]
F = "float32"


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[], object]  # the layer
    inputs: tuple[Spec, ...]
    refused: str | None = None  # words the refusal must contain (the op the layer needs)
    call: dict[str, object] = field(default_factory=dict)  # keyword arguments of the call (functional only)
    fast: bool = False  # also in the fast tier


def one(shape: tuple[int, ...], dtype: str = F) -> tuple[Spec, ...]:
    return ((shape, dtype),)


SEQ = one((5, 4))
IMG = one((6, 6, 3))

CASES: tuple[Case, ...] = (
    Case("Dense_relu", lambda: L.Dense(4, activation="relu"), one((6,)), fast=True),
    Case("Dense_gelu_steps", lambda: L.Dense(3, activation="gelu"), SEQ),
    Case("Dense_nobias_softmax", lambda: L.Dense(3, use_bias=False, activation="softmax"), one((6,))),
    Case("Dense_swish", lambda: L.Dense(3, activation="swish"), one((6,))),
    Case("Dense_leaky_relu_log_softmax", lambda: L.Dense(3, activation="log_softmax"), one((6,))),
    Case("Conv1D_valid", lambda: L.Conv1D(4, 3), one((9, 3))),
    Case("Conv1D_same_even_stride2", lambda: L.Conv1D(4, 4, strides=2, padding="same"), one((9, 3)), fast=True),
    Case("Conv1D_causal_dilated", lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2), one((9, 3))),
    Case("Conv1D_groups_same", lambda: L.Conv1D(4, 3, groups=2, padding="same", activation="relu"), one((9, 4))),
    Case("Conv2D_same_even", lambda: L.Conv2D(4, 2, padding="same"), one((7, 7, 3)), fast=True),
    Case("Conv2D_same_stride2_tanh", lambda: L.Conv2D(4, 3, strides=2, padding="same", activation="tanh"), IMG),
    Case(
        "Conv2D_dilated_groups_nobias",
        lambda: L.Conv2D(4, (3, 2), dilation_rate=(2, 1), groups=2, use_bias=False),
        one((9, 9, 4)),
    ),
    Case("DepthwiseConv2D_same", lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), IMG),
    Case("DepthwiseConv1D_valid", lambda: L.DepthwiseConv1D(3, depth_multiplier=2), one((9, 3))),
    Case("SeparableConv2D_same", lambda: L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2), IMG),
    Case("SeparableConv1D_nobias", lambda: L.SeparableConv1D(4, 2, strides=2, use_bias=False), one((9, 3))),
    Case("MaxPooling1D_same", lambda: L.MaxPooling1D(2, padding="same"), one((7, 3))),
    Case("MaxPooling1D_stride", lambda: L.MaxPooling1D(3, strides=2), one((9, 3))),
    Case("MaxPooling2D_same_stride1", lambda: L.MaxPooling2D(2, strides=1, padding="same"), one((5, 5, 2)), fast=True),
    Case("MaxPooling2D_valid", lambda: L.MaxPooling2D((2, 3)), one((6, 7, 2))),
    Case("AveragePooling1D_same", lambda: L.AveragePooling1D(3, strides=2, padding="same"), one((8, 3))),
    Case("AveragePooling2D_same", lambda: L.AveragePooling2D(2, padding="same"), one((5, 5, 2))),
    Case("AveragePooling2D_same_stride1", lambda: L.AveragePooling2D(2, strides=1, padding="same"), one((5, 5, 2))),
    Case("GlobalAveragePooling1D", L.GlobalAveragePooling1D, SEQ),
    Case("GlobalAveragePooling2D_keepdims", lambda: L.GlobalAveragePooling2D(keepdims=True), IMG),
    Case("GlobalMaxPooling1D", L.GlobalMaxPooling1D, SEQ),
    Case("GlobalMaxPooling2D", L.GlobalMaxPooling2D, one((4, 5, 3))),
    Case("Reshape", lambda: L.Reshape((3, -1)), one((12,))),
    Case("Permute", lambda: L.Permute((2, 1)), SEQ),
    Case("Flatten", L.Flatten, IMG),
    Case("TimeDistributed_Dense", lambda: L.TimeDistributed(L.Dense(3)), SEQ, fast=True),
    Case("TimeDistributed_Conv2D", lambda: L.TimeDistributed(L.Conv2D(2, 3)), one((3, 5, 5, 2))),
    Case("Add", L.Add, (((3, 4), F),) * 3),
    Case("Subtract", L.Subtract, (((3, 4), F),) * 2),
    Case("Multiply", L.Multiply, (((3, 4), F),) * 2),
    Case("Average", L.Average, (((3, 4), F),) * 3),
    Case("Maximum", L.Maximum, (((3, 4), F),) * 3, fast=True),
    Case("Minimum", L.Minimum, (((3, 4), F),) * 2),
    Case("Concatenate", lambda: L.Concatenate(axis=1), (((3, 4), F), ((2, 4), F))),
    Case("Dot_vectors", lambda: L.Dot(axes=1), (((4,), F),) * 2),
    Case("Dot_sequences", lambda: L.Dot(axes=(1, 2)), (((3, 4), F), ((5, 3), F))),
    Case("Dot_normalize", lambda: L.Dot(axes=-1, normalize=True), (((4,), F),) * 2, refused="Sqrt op"),
    Case("MultiHeadAttention_self", lambda: L.MultiHeadAttention(2, 3), (((5, 4), F),) * 2, fast=True),
    Case(
        "MultiHeadAttention_cross",
        lambda: L.MultiHeadAttention(2, 3, value_dim=5, output_shape=6),
        (((5, 4), F), ((3, 6), F), ((3, 2), F)),
    ),
    Case(
        "MultiHeadAttention_mask",
        lambda: L.MultiHeadAttention(2, 3, use_bias=False),
        (((5, 4), F), ((3, 4), F), ((5, 3), "bool")),
    ),
    Case(
        "MultiHeadAttention_causal",
        lambda: L.MultiHeadAttention(1, 4),
        (((5, 4), F),) * 2,
        call={"use_causal_mask": True},
    ),
    Case("Attention_dot", L.Attention, (((5, 4), F), ((3, 4), F))),
    Case(
        "Attention_scaled_causal",
        lambda: L.Attention(use_scale=True),
        (((4, 4), F),) * 2,
        call={"use_causal_mask": True},
    ),
    Case(
        "Attention_concat_key",
        lambda: L.Attention(use_scale=True, score_mode="concat"),
        (((5, 4), F), ((3, 4), F), ((3, 4), F)),
    ),
    Case("AdditiveAttention", L.AdditiveAttention, (((5, 4), F), ((3, 4), F))),
    Case("SimpleRNN", lambda: L.SimpleRNN(3), SEQ),
    Case("SimpleRNN_relu_sequences", lambda: L.SimpleRNN(3, activation="relu", return_sequences=True), SEQ),
    Case("LSTM_sequences", lambda: L.LSTM(3, return_sequences=True), SEQ, fast=True),
    Case("LSTM_state", lambda: L.LSTM(3, return_state=True), SEQ),
    Case("LSTM_backwards", lambda: L.LSTM(3, go_backwards=True, return_sequences=True), SEQ),
    Case("GRU", lambda: L.GRU(3), SEQ),
    Case("GRU_backwards_state", lambda: L.GRU(3, go_backwards=True, return_state=True), SEQ),
    Case("GRU_reset_before", lambda: L.GRU(3, reset_after=False), SEQ),
    Case(
        "GRU_reset_before_backwards_state",
        lambda: L.GRU(3, reset_after=False, return_sequences=True, go_backwards=True, return_state=True),
        SEQ,
    ),
    Case("GRU_reset_before_nobias", lambda: L.GRU(2, reset_after=False, use_bias=False, return_state=True), SEQ),
    Case("Bidirectional_LSTM_concat", lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), SEQ),
    Case("Bidirectional_GRU_ave", lambda: L.Bidirectional(L.GRU(3), merge_mode="ave"), SEQ),
    Case("Bidirectional_LSTM_state", lambda: L.Bidirectional(L.LSTM(3, return_state=True), merge_mode="mul"), SEQ),
    Case("Bidirectional_GRU_state", lambda: L.Bidirectional(L.GRU(2, return_state=True, return_sequences=True)), SEQ),
    Case("Bidirectional_SimpleRNN_sum", lambda: L.Bidirectional(L.SimpleRNN(2), merge_mode="sum"), SEQ),
    Case("Embedding", lambda: L.Embedding(10, 4), one((5,), "int32"), fast=True),
    Case("Embedding_mask_zero", lambda: L.Embedding(10, 4, mask_zero=True), one((5,), "int32")),
    Case("BatchNormalization", L.BatchNormalization, IMG),
    Case("LayerNormalization", L.LayerNormalization, SEQ),
    Case("Dropout", lambda: L.Dropout(0.5), SEQ),
    Case("SpatialDropout1D", lambda: L.SpatialDropout1D(0.5), SEQ),
    Case("GaussianNoise", lambda: L.GaussianNoise(0.5), SEQ),
    Case("Activation_sigmoid", lambda: L.Activation("sigmoid"), SEQ),
    Case("Activation_tanh", lambda: L.Activation("tanh"), SEQ),
    Case("Activation_softmax", lambda: L.Activation("softmax"), SEQ),
    Case("Activation_gelu", lambda: L.Activation("gelu"), SEQ),
    Case("Activation_silu", lambda: L.Activation("silu"), SEQ),
    Case("Activation_leaky_relu", lambda: L.Activation("leaky_relu"), SEQ),
    Case("Activation_linear", lambda: L.Activation("linear"), SEQ),
    Case("ReLU", L.ReLU, SEQ),
    Case("LeakyReLU", lambda: L.LeakyReLU(0.1), SEQ),
    Case("Softmax", lambda: L.Softmax(axis=1), SEQ),
    Case("Rescaling", lambda: L.Rescaling(1 / 255, offset=-1), IMG),
    Case("Rescaling_per_channel", lambda: L.Rescaling([0.5, 2.0, 1.0], offset=[1.0, 0.0, -1.0]), IMG),
    Case("Normalization", L.Normalization, SEQ),
    Case("ZeroPadding1D", lambda: L.ZeroPadding1D((1, 2)), SEQ),
    Case("ZeroPadding2D", lambda: L.ZeroPadding2D(((1, 0), (2, 1))), IMG),
    Case("Cropping1D", lambda: L.Cropping1D((1, 2)), SEQ),
    Case("Cropping2D", lambda: L.Cropping2D(((1, 0), (2, 1))), IMG),
    Case("RepeatVector", lambda: L.RepeatVector(3), one((4,))),
    Case("UpSampling1D", lambda: L.UpSampling1D(2), SEQ),
    Case("UpSampling2D", lambda: L.UpSampling2D((2, 3)), one((3, 3, 2))),
    # Lengths not known in advance (None: the data has 7 steps) stay symbolic in the graph.
    Case("Conv1D_same_even_any_length", lambda: L.Conv1D(2, 4, padding="same"), one((None, 3))),
    Case("MaxPooling1D_same_any_length", lambda: L.MaxPooling1D(2, strides=1, padding="same"), one((None, 3))),
    Case("LSTM_backwards_any_length", lambda: L.LSTM(2, go_backwards=True), one((None, 3))),
    Case("Maximum_any_length", L.Maximum, (((None, 4), F),) * 2),
    Case("GlobalAveragePooling1D_any_length", L.GlobalAveragePooling1D, one((None, 3))),
    # Refused: each names the op modelfmt.core version 1 lacks.
    Case("ELU", L.ELU, SEQ, refused="an ELU op"),
    Case("PReLU", L.PReLU, SEQ, refused="a PReLU op"),
    Case("Dense_elu", lambda: L.Dense(3, activation="elu"), SEQ, refused="ELU op", fast=True),
    Case("Dense_selu", lambda: L.Dense(3, activation="selu"), SEQ, refused="SELU op"),
    Case("Activation_softplus", lambda: L.Activation("softplus"), SEQ, refused="Softplus op"),
    Case("Activation_hard_sigmoid", lambda: L.Activation("hard_sigmoid"), SEQ, refused="HardSigmoid op"),
    Case("Activation_hard_swish", lambda: L.Activation("hard_swish"), SEQ, refused="HardSwish op"),
    Case("ReLU_max_value", lambda: L.ReLU(max_value=6.0), SEQ, refused="Clip op"),
    Case("Conv1DTranspose", lambda: L.Conv1DTranspose(2, 3), SEQ, refused="ConvTranspose op"),
    Case("Conv2DTranspose", lambda: L.Conv2DTranspose(2, 3), IMG, refused="ConvTranspose op"),
    Case("UpSampling2D_bilinear", lambda: L.UpSampling2D(interpolation="bilinear"), IMG, refused="Resize op"),
    Case("Lambda", lambda: L.Lambda(lambda x: x * 2), SEQ, refused="Python code"),
)
