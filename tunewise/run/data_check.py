"""The data check an experiment runs before any model loads: quality and personal data, with the tokenizer
only (to count prompt lengths)."""

from __future__ import annotations

from tunewise.core.errors import TunewiseError
from tunewise.core.items import Splits
from tunewise.data.quality import QualityReport, check_quality
from tunewise.models.load import prompt_token_counter
from tunewise.run.config import ExperimentConfig
from tunewise.tasks.task import Task


def check_data(config: ExperimentConfig, task: Task, splits: Splits) -> QualityReport:
    """The data quality report (tokenizer only, no model); errors in it stop the experiment."""
    counter = prompt_token_counter(config.model, task.instruction, task.system)
    acknowledged = tuple(config.data.acknowledge)
    return check_quality(splits, task.labels, counter, config.model.max_length, acknowledged, task.privacy, task.redact)


def log_quality(report: QualityReport, log) -> None:
    for finding in report.findings:
        mark = "acknowledged" if finding.acknowledged else finding.severity
        where = f" (e.g. {'; '.join(finding.where)})" if finding.where and not finding.acknowledged else ""
        log(f"data {mark}: [{finding.check}] {finding.message}{where}")
    if report.errors:
        raise TunewiseError(f"the data check found {len(report.errors)} error(s); fix the data (see above)")
