"""weaver-core models and data, as weaver builds them: a data config's inputs from JetClass-
layout files (:mod:`.config`, :mod:`.inputs`; its expressions by a safe evaluator,
:mod:`.expressions`), the model from the user's network file and weights loaded as tensors
only (:mod:`.network`), and their explanation per class (:mod:`.explain`)."""

from jetxai.weaver.config import DataConfig, read_data_config
from jetxai.weaver.explain import explain_weaver
from jetxai.weaver.inputs import read_batches
from jetxai.weaver.network import load_weaver_model

__all__ = ["DataConfig", "explain_weaver", "load_weaver_model", "read_batches", "read_data_config"]
