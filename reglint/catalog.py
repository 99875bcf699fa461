"""The one catalog of Keras layers and regularizer arguments.

Both halves read it: the linter to know which constructor argument a layer
needs, the auditor to know which weights that argument regularizes. Measured on
Keras 3.15.1 and tf_keras 2.21.0 (``inspect.signature`` of every class in
``keras.layers``; see ``tests/audit/test_catalog_matches_keras.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

KERAS3 = "keras3"
KERAS2 = "keras2"
TF_KERAS = "tf.keras"  # Keras 3 unless TF_USE_LEGACY_KERAS=1, then Keras 2

#: Set to one of :data:`LEGACY_KERAS_VALUES` before TensorFlow is imported, this
#: variable makes ``tf.keras`` tf_keras (Keras 2): TF 2.21's
#: ``tensorflow/python/util/lazy_loader.py`` tests exactly these strings.
LEGACY_KERAS_ENV = "TF_USE_LEGACY_KERAS"
LEGACY_KERAS_VALUES = frozenset({"1", "true", "True"})


def uses_legacy_keras(environ: Mapping[str, str]) -> bool:
    """Does ``environ`` make ``tf.keras`` tf_keras?"""
    return environ.get(LEGACY_KERAS_ENV) in LEGACY_KERAS_VALUES


#: What a keyword meant as a regularizer argument contains, misspelt or not
#: (``kernel_regularizer``, ``W_regularizer``, ``kernel_regulariser``), in any case.
REGULARIZER_KEYWORD_STEM = "regul"


def is_regularizer_keyword(keyword: str) -> bool:
    """Is ``keyword`` meant as a regularizer argument (whether or not a layer takes it)?"""
    return REGULARIZER_KEYWORD_STEM in keyword.lower()


KERNEL = "kernel_regularizer"
RECURRENT = "recurrent_regularizer"
BIAS = "bias_regularizer"
ACTIVITY = "activity_regularizer"
EMBEDDINGS = "embeddings_regularizer"
DEPTHWISE = "depthwise_regularizer"
POINTWISE = "pointwise_regularizer"
BETA = "beta_regularizer"
GAMMA = "gamma_regularizer"
ALPHA = "alpha_regularizer"

#: Every regularizer argument that regularizes a *weight* (all but activity).
WEIGHT_REGULARIZER_ARGS = frozenset(
    {KERNEL, RECURRENT, BIAS, EMBEDDINGS, DEPTHWISE, POINTWISE, BETA, GAMMA, ALPHA}
)


@dataclass(frozen=True)
class LayerSpec:
    """What one Keras layer class accepts and what each argument regularizes.

    ``positions`` holds the 0-based positional index (after ``self``) of each
    regularizer argument, per Keras flavor. ``weights`` maps an argument to the
    names of the weights it penalizes (matched against the end of a weight's
    path by the auditor).
    """

    name: str
    kernel_args: tuple[str, ...]
    accepted: frozenset[str]
    positions: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    weights: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    flavors: frozenset[str] = frozenset({KERAS3, KERAS2})
    recurrent: bool = False

    def required_args(self, require_recurrent: bool = False) -> tuple[str, ...]:
        if require_recurrent and self.recurrent:
            return (*self.kernel_args, RECURRENT)
        return self.kernel_args

    def position(self, arg: str, flavor: str) -> int | None:
        by_flavor = self.positions.get(arg, {})
        if flavor in by_flavor:
            return by_flavor[flavor]
        # tf.keras is either flavor: take the smaller index (the conservative
        # reading when deciding whether a positional argument was passed).
        return min(by_flavor.values()) if by_flavor else None


def _spec(
    name: str,
    kernel_args: tuple[str, ...],
    positions: dict[str, int | tuple[int, int]],
    weights: dict[str, tuple[str, ...]],
    *,
    extra: tuple[str, ...] = (BIAS, ACTIVITY),
    flavors: frozenset[str] = frozenset({KERAS3, KERAS2}),
    recurrent: bool = False,
) -> LayerSpec:
    pos: dict[str, dict[str, int]] = {}
    for arg, index in positions.items():
        k3, k2 = index if isinstance(index, tuple) else (index, index)
        pos[arg] = MappingProxyType({f: i for f, i in ((KERAS3, k3), (KERAS2, k2)) if f in flavors})
    return LayerSpec(
        name=name,
        kernel_args=kernel_args,
        accepted=frozenset({*kernel_args, *extra, ACTIVITY, *positions}),
        positions=MappingProxyType(pos),
        weights=MappingProxyType(weights),
        flavors=flavors,
        recurrent=recurrent,
    )


_K = {KERNEL: ("kernel",)}
_RNN_W = {KERNEL: ("kernel",), RECURRENT: ("recurrent_kernel",), BIAS: ("bias",)}
_ATTN_W = {
    KERNEL: (
        "query/kernel",
        "key/kernel",
        "value/kernel",
        "attention_output/kernel",
        "output_dense/kernel",
    ),
}

_SPECS: list[LayerSpec] = [
    _spec("Dense", (KERNEL,), {KERNEL: 5, BIAS: 6, ACTIVITY: 7}, _K),
    _spec("EinsumDense", (KERNEL,), {KERNEL: 6, BIAS: 7}, _K),
    _spec("MultiHeadAttention", (KERNEL,), {KERNEL: (11, 9), BIAS: (12, 10)}, _ATTN_W),
    _spec(
        "GroupQueryAttention",
        (KERNEL,),
        {KERNEL: 9, BIAS: 10},
        _ATTN_W,
        flavors=frozenset({KERAS3}),
    ),
    _spec("Embedding", (EMBEDDINGS,), {EMBEDDINGS: 3}, {EMBEDDINGS: ("embeddings",)}, extra=()),
    _spec(
        "ReversibleEmbedding",
        (EMBEDDINGS,),
        {EMBEDDINGS: 4},
        {EMBEDDINGS: ("embeddings",)},
        extra=(),
        flavors=frozenset({KERAS3}),
    ),
    _spec(
        "DepthwiseConv1D",
        (DEPTHWISE,),
        {DEPTHWISE: 10, BIAS: 11},
        {DEPTHWISE: ("depthwise_kernel", "kernel")},
    ),
    _spec(
        "DepthwiseConv2D",
        (DEPTHWISE,),
        {DEPTHWISE: 10, BIAS: 11},
        {DEPTHWISE: ("depthwise_kernel", "kernel")},
    ),
    _spec("LocallyConnected1D", (KERNEL,), {KERNEL: 9, BIAS: 10}, _K, flavors=frozenset({KERAS2})),
    _spec("LocallyConnected2D", (KERNEL,), {KERNEL: 9, BIAS: 10}, _K, flavors=frozenset({KERAS2})),
]
for _n in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
    _SPECS.append(_spec(_n, (KERNEL,), {KERNEL: 11, BIAS: 12}, _K))
for _n in ("SeparableConv1D", "SeparableConv2D"):
    _SPECS.append(
        _spec(
            _n,
            (DEPTHWISE, POINTWISE),
            {DEPTHWISE: 12, POINTWISE: 13, BIAS: 14},
            {DEPTHWISE: ("depthwise_kernel",), POINTWISE: ("pointwise_kernel",)},
        )
    )
for _n, _k in (("SimpleRNN", 6), ("GRU", 7), ("LSTM", 8)):
    _SPECS.append(
        _spec(_n, (KERNEL,), {KERNEL: _k, RECURRENT: _k + 1, BIAS: _k + 2}, _RNN_W, recurrent=True)
    )
    _SPECS.append(
        _spec(
            _n + "Cell",
            (KERNEL,),
            {KERNEL: _k, RECURRENT: _k + 1, BIAS: _k + 2},
            _RNN_W,
            extra=(BIAS,),
            recurrent=True,
        )
    )
for _n in ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"):
    _SPECS.append(
        _spec(_n, (KERNEL,), {KERNEL: 13, RECURRENT: 14, BIAS: 15}, _RNN_W, recurrent=True)
    )

_ALIASES = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose",
    "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose",
    "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
    "GroupedQueryAttention": "GroupQueryAttention",
}

#: Layers with a kernel-type weight, by every public name (aliases included).
KERNEL_LAYERS: Mapping[str, LayerSpec] = MappingProxyType(
    {
        **{s.name: s for s in _SPECS},
        **{a: {s.name: s for s in _SPECS}[t] for a, t in _ALIASES.items()},
    }
)

#: Layers that take weight regularizers but have no kernel-type weight.
OTHER_REGULARIZED_LAYERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "BatchNormalization": frozenset({BETA, GAMMA, ACTIVITY}),
        "LayerNormalization": frozenset({BETA, GAMMA, ACTIVITY}),
        "GroupNormalization": frozenset({BETA, GAMMA, ACTIVITY}),
        "UnitNormalization": frozenset({ACTIVITY}),
        "PReLU": frozenset({ALPHA, ACTIVITY}),
    }
)

#: Other public layer names of keras.layers / tf_keras.layers. They accept only
#: ``activity_regularizer`` (through ``**kwargs``).
PLAIN_LAYERS = frozenset(
    [
        "AbstractRNNCell",
        "Activation",
        "ActivityRegularization",
        "AdaptiveAveragePooling1D",
        "AdaptiveAveragePooling2D",
        "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D",
        "AdaptiveMaxPooling2D",
        "AdaptiveMaxPooling3D",
        "Add",
        "AdditiveAttention",
        "AlphaDropout",
        "Attention",
        "AugMix",
        "AutoContrast",
        "Average",
        "AveragePooling1D",
        "AveragePooling2D",
        "AveragePooling3D",
        "AvgPool1D",
        "AvgPool2D",
        "AvgPool3D",
        "Bidirectional",
        "CategoryEncoding",
        "CenterCrop",
        "Concatenate",
        "ContrastLimitedAdaptiveHistogramEqualization",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "CutMix",
        "DenseFeatures",
        "Discretization",
        "Dot",
        "Dropout",
        "ELU",
        "Equalization",
        "Flatten",
        "FlaxLayer",
        "GaussianDropout",
        "GaussianNoise",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "GlobalAvgPool1D",
        "GlobalAvgPool2D",
        "GlobalAvgPool3D",
        "GlobalMaxPool1D",
        "GlobalMaxPool2D",
        "GlobalMaxPool3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "HashedCrossing",
        "Hashing",
        "Identity",
        "InputLayer",
        "IntegerLookup",
        "JaxLayer",
        "Lambda",
        "LeakyReLU",
        "Masking",
        "MaxNumBoundingBoxes",
        "MaxPool1D",
        "MaxPool2D",
        "MaxPool3D",
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "Maximum",
        "MelSpectrogram",
        "Minimum",
        "MixUp",
        "Multiply",
        "Normalization",
        "Permute",
        "Pipeline",
        "RMSNormalization",
        "RNN",
        "RandAugment",
        "RandomBrightness",
        "RandomColorDegeneration",
        "RandomColorJitter",
        "RandomContrast",
        "RandomCrop",
        "RandomElasticTransform",
        "RandomErasing",
        "RandomFlip",
        "RandomGaussianBlur",
        "RandomGrayscale",
        "RandomHeight",
        "RandomHue",
        "RandomInvert",
        "RandomPerspective",
        "RandomPosterization",
        "RandomRotation",
        "RandomSaturation",
        "RandomSharpness",
        "RandomShear",
        "RandomTranslation",
        "RandomWidth",
        "RandomZoom",
        "ReLU",
        "RepeatVector",
        "Rescaling",
        "Reshape",
        "Resizing",
        "STFTSpectrogram",
        "Softmax",
        "Solarization",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "SpectralNormalization",
        "StackedRNNCells",
        "StringLookup",
        "Subtract",
        "TFSMLayer",
        "TextVectorization",
        "ThresholdedReLU",
        "TimeDistributed",
        "TorchModuleWrapper",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "Wrapper",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
    ]
)

ALL_LAYERS = frozenset({*KERNEL_LAYERS, *OTHER_REGULARIZED_LAYERS, *PLAIN_LAYERS})


def accepted_regularizer_args(layer: str) -> frozenset[str] | None:
    """The ``*_regularizer`` keywords ``layer`` accepts, or None if unknown."""
    if layer in KERNEL_LAYERS:
        return KERNEL_LAYERS[layer].accepted
    if layer in OTHER_REGULARIZED_LAYERS:
        return OTHER_REGULARIZED_LAYERS[layer]
    if layer in PLAIN_LAYERS:
        return frozenset({ACTIVITY})
    return None


# --- regularizers ---------------------------------------------------------

#: Public regularizer names and the factor keywords their constructor takes,
#: in positional order. ``l1_l2`` is ``L1L2`` in Keras 3 (defaults 0, 0) but a
#: function with defaults 0.01, 0.01 in Keras 2.
REGULARIZERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "L1": ("l1",),
        "l1": ("l1",),
        "L2": ("l2",),
        "l2": ("l2",),
        "L1L2": ("l1", "l2"),
        "l1_l2": ("l1", "l2"),
        "OrthogonalRegularizer": ("factor", "mode"),
        "orthogonal_regularizer": ("factor", "mode"),
    }
)
REGULARIZER_DEFAULTS: Mapping[str, Mapping[str, Mapping[str, float]]] = MappingProxyType(
    {
        KERAS3: {
            "L1": {"l1": 0.01},
            "L2": {"l2": 0.01},
            "L1L2": {"l1": 0.0, "l2": 0.0},
            "OrthogonalRegularizer": {"factor": 0.01},
        },
        KERAS2: {
            "L1": {"l1": 0.01},
            "L2": {"l2": 0.01},
            "L1L2": {"l1": 0.0, "l2": 0.0},
            "l1_l2": {"l1": 0.01, "l2": 0.01},
            "OrthogonalRegularizer": {"factor": 0.01},
        },
    }
)

#: String identifiers each Keras accepts, with what they mean.
STRING_IDENTIFIERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        KERAS3: frozenset(
            {
                "l1",
                "l2",
                "L1",
                "L2",
                "L1L2",
                "l1l2",
                "orthogonal_regularizer",
                "OrthogonalRegularizer",
            }
        ),
        KERAS2: frozenset(
            {
                "l1",
                "l2",
                "L1",
                "L2",
                "L1L2",
                "l1_l2",
                "orthogonal_regularizer",
                "OrthogonalRegularizer",
            }
        ),
    }
)
#: String identifiers that deserialize to a regularizer with factor zero.
ZERO_STRING_IDENTIFIERS = frozenset({"L1L2", "l1l2"})


def canonical_regularizer(name: str) -> str:
    """``l2`` -> ``L2``, ``l1_l2`` -> ``L1L2`` and so on."""
    return {
        "l1": "L1",
        "l2": "L2",
        "l1_l2": "L1L2",
        "l1l2": "L1L2",
        "orthogonal_regularizer": "OrthogonalRegularizer",
    }.get(name, name)
