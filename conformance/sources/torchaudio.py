"""torchaudio: small instances of its models and feature transforms (nothing downloaded)."""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "torchaudio"


def available() -> str | None:
    return missing("torchaudio")


def _model(name: str) -> tuple[Any, str]:
    """The module and its input kind: ``wave`` (batch, time) or ``feats`` (batch, time, features)."""
    import torchaudio.models as models
    import torchaudio.transforms as transforms

    if name == "wav2letter":
        return models.Wav2Letter(num_classes=10, input_type="waveform", num_features=1), "wave3"
    if name == "deepspeech":
        return models.DeepSpeech(n_feature=16, n_hidden=32, n_class=10), "deepspeech"
    if name == "conv_tasnet":
        return models.ConvTasNet(num_sources=2, enc_kernel_size=8, enc_num_feats=16, msk_kernel_size=3,
                                 msk_num_feats=8, msk_num_hidden_feats=16, msk_num_layers=2, msk_num_stacks=1), "wave3"
    if name == "wav2vec2":
        return models.wav2vec2_model(
            extractor_mode="group_norm", extractor_conv_layer_config=[(16, 10, 5), (16, 3, 2)],
            extractor_conv_bias=False, encoder_embed_dim=32, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=16, encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=4,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=37, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=10), "wave"
    if name == "mel_spectrogram":
        return transforms.MelSpectrogram(sample_rate=16000, n_fft=128, hop_length=64, n_mels=16), "wave"
    if name == "spectrogram":
        return transforms.Spectrogram(n_fft=128, hop_length=64), "wave"
    if name == "mfcc":
        return transforms.MFCC(sample_rate=16000, n_mfcc=8, melkwargs={"n_fft": 128, "hop_length": 64, "n_mels": 16}), "wave"
    raise KeyError(name)


def _build(name: str) -> Built:
    import torch

    model, kind = _model(name)
    shapes = {"wave": ((2, 1600), (3, 2000)), "wave3": ((2, 1, 1600), (3, 1, 2000)),
              "deepspeech": ((2, 1, 20, 16), (3, 1, 27, 16))}[kind]
    axes = {0: "batch", len(shapes[0]) - 1 if kind != "deepspeech" else 2: "time"}
    return Built(model=model, args=(torch.randn(*shapes[0]),), other_args=(torch.randn(*shapes[1]),),
                 input_names=["audio"], output_names=["output"], dynamic_axes={"audio": axes, "output": {0: "batch"}},
                 opset=17)


NAMES = ("wav2letter", "deepspeech", "conv_tasnet", "wav2vec2", "mel_spectrogram", "spectrogram", "mfcc")


def cases() -> list[Case]:
    return [Case(SOURCE, name, partial(_build, name)) for name in NAMES]
