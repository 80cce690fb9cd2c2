"""The records TensorBoard's HParams dashboard reads, built from two dicts.

tensorboardX's own builder has no way to declare a hyperparameter's discrete
domain (PyTorch's ``hparam_domain_discrete``), so the protocol buffers are
assembled here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy

from ember.errors import ShapeError, caller
from ember.tensor import Tensor
from ember.viz.convert import to_numpy

if TYPE_CHECKING:
    from google.protobuf.struct_pb2 import Value
    from tensorboardX.proto.summary_pb2 import Summary

__all__ = ["check_domains", "hparams_summaries"]

# The plugin finds its data under these tags (tensorboard/plugins/hparams/metadata.py).
_PLUGIN_NAME = "hparams"
_EXPERIMENT_TAG = "_hparams_/experiment"
_SESSION_START_TAG = "_hparams_/session_start_info"
_SESSION_END_TAG = "_hparams_/session_end_info"


def _protos() -> tuple[ModuleType, ModuleType, ModuleType, ModuleType]:
    """The protocol buffer modules of the hparams records, imported on first use.

    Protobuf's ``struct_pb2`` and tensorboardX's ``api_pb2``, ``plugin_hparams_pb2``
    and ``summary_pb2``: tensorboardX imports PyTorch when it is installed, which
    ``import ember`` must not pay for.
    """
    try:
        from google.protobuf import struct_pb2
        from tensorboardX.proto import api_pb2, plugin_hparams_pb2, summary_pb2
    except ImportError as error:
        raise ImportError(
            "ember.viz builds TensorBoard's hparams records with tensorboardX, which is not "
            "installed: pip install tensorboardX"
        ) from error
    return struct_pb2, api_pb2, plugin_hparams_pb2, summary_pb2


def _value(name: str, value: Any) -> Any:
    """A hyperparameter as a Python value: one-element tensors and arrays become numbers."""
    if isinstance(value, (Tensor, numpy.ndarray, numpy.generic)):
        array = to_numpy(value)
        if array.size != 1:
            raise ShapeError(
                f"add_hparams: hparam_dict['{name}'] must be a single value, got shape "
                f"{array.shape} (called from {caller()})"
            )
        return array.reshape(()).item()
    return value


def _proto_value(value: Any) -> Value:
    struct_pb2 = _protos()[0]
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    return struct_pb2.Value(number_value=float(value))


def check_domains(hparam_dict: Mapping[str, Any], domains: Any) -> Mapping[str, Sequence]:
    """Check ``hparam_domain_discrete`` against ``hparam_dict``; None means no domains."""
    if domains is None:
        return {}
    if not isinstance(domains, Mapping):
        raise TypeError(
            f"add_hparams: hparam_domain_discrete must be a dict of lists, got "
            f"{type(domains).__name__} (called from {caller()})"
        )
    for name, values in domains.items():
        if name not in hparam_dict:
            raise ValueError(
                f"add_hparams: hparam_domain_discrete names '{name}', which is not in "
                f"hparam_dict (called from {caller()})"
            )
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(
                f"add_hparams: hparam_domain_discrete['{name}'] must be a list, got "
                f"{type(values).__name__} (called from {caller()})"
            )
        kind = type(_value(name, hparam_dict[name]))
        if not all(type(d) is kind or (kind is float and type(d) is int) for d in values):
            raise TypeError(
                f"add_hparams: hparam_domain_discrete['{name}'] must list values of the same "
                f"type as hparam_dict['{name}'] ({kind.__name__}), got {list(values)!r} "
                f"(called from {caller()})"
            )
    return domains


def _plugin_summary(tag: str, content: Any) -> Summary:
    summary_pb2 = _protos()[3]
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=_PLUGIN_NAME, content=content.SerializeToString()
        )
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=metadata)])


def hparams_summaries(
    hparam_dict: Mapping[str, Any],
    metric_dict: Mapping[str, Any],
    domains: Mapping[str, Sequence],
) -> list[Summary]:
    """The experiment, session-start and session-end records of one run.

    Raises:
        TypeError: for a hyperparameter that is not a bool, str, number or
            one-element tensor (None values are left out).
    """
    _, api_pb2, plugin_hparams_pb2, _ = _protos()
    start = plugin_hparams_pb2.SessionStartInfo()
    infos = []
    for name, raw in hparam_dict.items():
        value = _value(name, raw)
        if value is None:
            continue
        # bool before int: True is an int to isinstance, but TensorBoard has a bool type.
        if isinstance(value, bool):
            start.hparams[name].bool_value = value
            kind = "DATA_TYPE_BOOL"
        elif isinstance(value, str):
            start.hparams[name].string_value = value
            kind = "DATA_TYPE_STRING"
        elif isinstance(value, (int, float)):
            start.hparams[name].number_value = float(value)
            kind = "DATA_TYPE_FLOAT64"
        else:
            raise TypeError(
                f"add_hparams: hparam_dict['{name}'] must be a bool, str, int, float or a "
                f"one-element tensor, got {type(raw).__name__} (called from {caller()})"
            )
        info = api_pb2.HParamInfo(name=name, type=api_pb2.DataType.Value(kind))
        if name in domains:
            info.domain_discrete.values.extend(_proto_value(d) for d in domains[name])
        infos.append(info)
    experiment = api_pb2.Experiment(
        hparam_infos=infos,
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metric_dict],
    )
    end = plugin_hparams_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return [
        _plugin_summary(
            _EXPERIMENT_TAG, plugin_hparams_pb2.HParamsPluginData(experiment=experiment)
        ),
        _plugin_summary(
            _SESSION_START_TAG, plugin_hparams_pb2.HParamsPluginData(session_start_info=start)
        ),
        _plugin_summary(
            _SESSION_END_TAG, plugin_hparams_pb2.HParamsPluginData(session_end_info=end)
        ),
    ]
