"""Hugging Face transformers: base models of many architectures from small random configs.

Configs are built locally (``AutoConfig.for_model(model_type, **small)``), models with
``AutoModel.from_config``: nothing comes from the hub (the worker sets ``HF_HUB_OFFLINE``).
Transformers has no legacy export code of its own any more, so the call is what
optimum's legacy path made: named inputs, ``batch_size`` (and ``sequence_length`` for
text and audio) dynamic, opset 17, ``use_cache=False``. Left out: mixtral (its grouped
expert matmul fails in eager PyTorch on CPU at this size: "strides should be multiple of 16 bytes"),
funnel and stablelm (their configs reject a 2-layer, 32-wide model).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "transformers"

_SMALL: dict[str, Any] = {
    "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37,
    "vocab_size": 99, "max_position_embeddings": 64, "use_cache": False, "hidden_dropout_prob": 0.0,
}
_ENC_DEC: dict[str, Any] = {
    "d_model": 32, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4,
    "decoder_attention_heads": 4, "encoder_ffn_dim": 37, "decoder_ffn_dim": 37, "vocab_size": 99,
    "max_position_embeddings": 64, "use_cache": False,
}
_VISION: dict[str, Any] = {"image_size": 32, "patch_size": 8, "num_channels": 3, **{
    k: v for k, v in _SMALL.items() if k not in ("vocab_size", "max_position_embeddings", "use_cache")}}

#: An override that removes a key of the shared small config (for configs that reject it).
DROP = object()

#: model_type -> (kind, config overrides). Kinds: text, enc_dec, vision, conv, audio.
ARCHS: dict[str, tuple[str, dict[str, Any]]] = {
    "bert": ("text", {}), "roberta": ("text", {}), "distilbert": ("text", {"dim": 32, "n_layers": 2, "n_heads": 4,
                                                                          "hidden_dim": 37}),
    "albert": ("text", {"embedding_size": 16}), "electra": ("text", {"embedding_size": 16}),
    "deberta": ("text", {}), "deberta-v2": ("text", {}), "xlm-roberta": ("text", {}), "camembert": ("text", {}),
    "mpnet": ("text", {}), "squeezebert": ("text", {"embedding_size": 32, "intermediate_size": 64}), "convbert": ("text", {"embedding_size": 32}),
    "mobilebert": ("text", {"embedding_size": 32, "intra_bottleneck_size": 32, "true_hidden_size": 32}),
    "roformer": ("text", {"embedding_size": 32}), "ernie": ("text", {}), "data2vec-text": ("text", {}),
    "megatron-bert": ("text", {}), "rembert": ("text", {"input_embedding_size": 32, "output_embedding_size": 32}),
    "xlnet": ("text", {"d_model": 32, "n_layer": 2, "n_head": 4, "d_inner": 37, "max_position_embeddings": DROP}),
    "gpt2": ("text", {}), "gpt_neo": ("text", {"attention_types": [[["global", "local"], 1]], "num_layers": 2}),
    "gptj": ("text", {"rotary_dim": 4}), "gpt_neox": ("text", {}), "opt": ("text", {"ffn_dim": 37, "word_embed_proj_dim": 32}),
    "bloom": ("text", {"n_layer": 2, "n_head": 4}), "llama": ("text", {"num_key_value_heads": 2}),
    "mistral": ("text", {"num_key_value_heads": 2}), "qwen2": ("text", {"num_key_value_heads": 2}),
    "qwen3": ("text", {"num_key_value_heads": 2, "head_dim": 8}), "phi": ("text", {}), "phi3": ("text", {"pad_token_id": 0}),
    "gemma": ("text", {"head_dim": 8, "num_key_value_heads": 2}), "gemma2": ("text", {"head_dim": 8, "num_key_value_heads": 2}),
    "falcon": ("text", {}), "codegen": ("text", {"rotary_dim": 4}), "biogpt": ("text", {}),
    "xglm": ("text", {"d_model": 32, "num_layers": 2, "attention_heads": 4, "ffn_dim": 37}),
    "mpt": ("text", {"d_model": 32, "n_layers": 2, "n_heads": 4}),
    "starcoder2": ("text", {"num_key_value_heads": 2}), "olmo": ("text", {}),
    "gpt_bigcode": ("text", {}), "granite": ("text", {"num_key_value_heads": 2}), "ibert": ("text", {}),
    "layoutlm": ("text", {}),
    "t5": ("enc_dec", {"d_model": 32, "d_kv": 8, "d_ff": 37, "num_layers": 2, "num_heads": 4}),
    "bart": ("enc_dec", {}), "mbart": ("enc_dec", {}), "pegasus": ("enc_dec", {}), "marian": ("enc_dec", {"pad_token_id": 0, "decoder_start_token_id": 0}),
    "blenderbot-small": ("enc_dec", {}), "m2m_100": ("enc_dec", {}),
    "vit": ("vision", {}), "deit": ("vision", {}), "beit": ("vision", {}), "dinov2": ("vision", {}),
    "yolos": ("vision", {"image_size": [32, 32], "num_detection_tokens": 5}),
    "clip_vision_model": ("vision", {}), "siglip_vision_model": ("vision", {}),
    "convnext": ("conv", {"hidden_sizes": [8, 16, 24, 32], "depths": [1, 1, 1, 1]}),
    "resnet": ("conv", {"hidden_sizes": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embedding_size": 8}),
    "regnet": ("conv", {"hidden_sizes": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embedding_size": 8,
                        "groups_width": 8}),
    "swin": ("conv", {"embed_dim": 16, "depths": [1, 1], "num_heads": [2, 2], "window_size": 4, "image_size": 32,
                      "patch_size": 2}),
    "segformer": ("conv", {"hidden_sizes": [8, 16], "depths": [1, 1], "num_encoder_blocks": 2, "sr_ratios": [2, 1],
                           "num_attention_heads": [1, 2], "patch_sizes": [7, 3], "strides": [4, 2],
                           "mlp_ratios": [2, 2]}),
    "mobilevit": ("conv", {"image_size": 32, "neck_hidden_sizes": [8, 8, 16, 16, 32, 32, 40],
                           "hidden_sizes": [16, 24, 32]}),
    "wav2vec2": ("audio", {"conv_dim": [8, 8], "conv_stride": [4, 4], "conv_kernel": [8, 8], "num_conv_pos_embeddings": 16,
                           "num_conv_pos_embedding_groups": 2}),
    "hubert": ("audio", {"conv_dim": [8, 8], "conv_stride": [4, 4], "conv_kernel": [8, 8], "num_conv_pos_embeddings": 16,
                         "num_conv_pos_embedding_groups": 2}),
}
SMOKE: set[str] = set()


def available() -> str | None:
    return missing("transformers")


def _inputs(kind: str, batch: int, length: int) -> tuple[tuple[Any, ...], list[str], dict[str, dict[int, str]]]:
    import torch

    generator = torch.Generator().manual_seed(batch * 100 + length)
    if kind in ("vision", "conv"):
        pixels = torch.randn(batch, 3, 32, 32, generator=generator)
        return (pixels,), ["pixel_values"], {"pixel_values": {0: "batch_size"}}
    if kind == "audio":
        values = torch.randn(batch, length * 40, generator=generator)
        return (values,), ["input_values"], {"input_values": {0: "batch_size", 1: "sequence_length"}}
    ids = torch.randint(3, 99, (batch, length), generator=generator)
    mask = torch.ones(batch, length, dtype=torch.int64)
    mask[0, -2:] = 0
    text_axes = {0: "batch_size", 1: "sequence_length"}
    if kind == "enc_dec":
        decoder = torch.randint(3, 99, (batch, max(2, length // 2)), generator=generator)
        keywords = {"attention_mask": mask, "decoder_input_ids": decoder}
        axes = {"input_ids": text_axes, "attention_mask": text_axes,
                "decoder_input_ids": {0: "batch_size", 1: "decoder_sequence_length"}}
        return (ids, keywords), ["input_ids", "attention_mask", "decoder_input_ids"], axes
    return (ids, {"attention_mask": mask}), ["input_ids", "attention_mask"], {"input_ids": text_axes,
                                                                              "attention_mask": text_axes}


def _config(model_type: str, kind: str, overrides: dict[str, Any]) -> Any:
    from transformers import AutoConfig

    base = {"text": _SMALL, "enc_dec": _ENC_DEC, "vision": _VISION, "conv": {"num_channels": 3}, "audio": _SMALL}[kind]
    merged = {k: v for k, v in {**base, **overrides}.items() if v is not DROP}
    config = AutoConfig.for_model(model_type, **merged)
    if kind == "audio":
        config.vocab_size = 99
    return config


def _positional(model: Any, args: tuple[Any, ...], names: list[str]) -> tuple[Any, ...]:
    """The inputs as positional arguments in ``forward``'s order, ``None`` for the ones skipped.

    A trailing kwargs dict makes the legacy exporter re-order inputs by ``forward``'s signature
    and fill in defaults, which transformers 5's decorated ``forward`` rejects ("got multiple
    values for argument 'use_cache'"); legacy scripts passed the tensors positionally.
    """
    import inspect

    values = dict(zip(names, list(args[:-1]) + list(args[-1].values()) if isinstance(args[-1], dict) else args))
    positional: list[Any] = []
    for parameter in inspect.signature(model.forward).parameters.values():
        if not values:
            break
        if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            raise TypeError(f"{type(model).__name__}.forward takes {parameter.name} by keyword only")
        positional.append(values.pop(parameter.name, None))
    return tuple(positional)


def _build(model_type: str) -> Built:
    import torch
    from transformers import AutoModel

    kind, overrides = ARCHS[model_type]
    torch.manual_seed(0)
    model = AutoModel.from_config(_config(model_type, kind, overrides), attn_implementation="eager").eval()
    args, names, axes = _inputs(kind, 2, 8)
    other, _, _ = _inputs(kind, 3, 11)
    args, other = _positional(model, args, names), _positional(model, other, names)
    first_output = "pooler_output" if kind == "conv" and model_type in ("resnet", "regnet") else "last_hidden_state"
    return Built(model=model, args=args, other_args=other, input_names=names, output_names=[first_output],
                 dynamic_axes={**axes, first_output: {0: "batch_size"}}, opset=17)


def cases() -> list[Case]:
    return [Case(SOURCE, name, partial(_build, name), name in SMOKE) for name in ARCHS]
