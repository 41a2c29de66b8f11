"""A weaver network file in the published layout of the Particle Transformer repository's
``networks/example_ParticleTransformer.py``, with the size of jetxai's ``part`` defaults (width
32, 4 heads, embedding (64,), pair embedding (32, 32), 2 particle + 1 class blocks, feed-forward
ratio 2, one hidden layer of 64) for the benchmark beside it."""

import torch
from weaver.nn.model.ParticleTransformer import ParticleTransformer


class ParticleTransformerWrapper(torch.nn.Module):
    def __init__(self, **kwargs) -> None:
        super().__init__()
        self.mod = ParticleTransformer(**kwargs)

    @torch.jit.ignore
    def no_weight_decay(self):
        return {"mod.cls_token"}

    def forward(self, points, features, lorentz_vectors, mask):
        return self.mod(features, v=lorentz_vectors, mask=mask)


def get_model(data_config, **kwargs):
    cfg = dict(
        input_dim=len(data_config.input_dicts["pf_features"]),
        num_classes=len(data_config.label_value),
        # network configurations
        pair_input_dim=4,
        use_pre_activation_pair=False,
        embed_dims=[64, 32],
        pair_embed_dims=[32, 32],
        num_heads=4,
        num_layers=2,
        num_cls_layers=1,
        block_params={"ffn_ratio": 2},
        cls_block_params={"ffn_ratio": 2, "dropout": 0, "attn_dropout": 0, "activation_dropout": 0},
        fc_params=[(64, 0.1)],
        activation="gelu",
        # misc
        trim=True,
        for_inference=False,
    )
    cfg.update(**kwargs)
    model = ParticleTransformerWrapper(**cfg)
    model_info = {
        "input_names": list(data_config.input_names),
        "input_shapes": {k: (1, *s[1:]) for k, s in data_config.input_shapes.items()},
        "output_names": ["softmax"],
        "dynamic_axes": {
            **{k: {0: "N", 2: "n_" + k.split("_")[0]} for k in data_config.input_names},
            **{"softmax": {0: "N"}},
        },
    }
    return model, model_info


def get_loss(data_config, **kwargs):
    return torch.nn.CrossEntropyLoss()
