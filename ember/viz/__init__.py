"""Watching training: TensorBoard logging and matplotlib plots.

``SummaryWriter`` needs tensorboardX and the plots need matplotlib
(``pip install ember[demo]`` installs both); without them ``ember.viz`` still
imports, and the call that needs one names the package to install.

>>> from ember.viz import plot_confusion_matrix
>>> plot_confusion_matrix([[3, 1], [0, 4]]).axes[0].get_xlabel()
'predicted'
"""

from ember.viz.plots import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
    plot_history,
    plot_lr_schedule,
)
from ember.viz.summary import SummaryWriter

__all__ = [
    "SummaryWriter",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_lr_schedule",
]
