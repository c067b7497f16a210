"""Keep every library we import off the network.

tunewise runs on machines with no model hub; the libraries below would otherwise try to reach one (or send
usage statistics). These variables must be set before transformers / huggingface_hub are imported, so the
package's ``__init__`` imports this module first.
"""

import logging
import os
import sys
import warnings

_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "WANDB_DISABLED": "true",
    "WANDB_MODE": "disabled",
    "TOKENIZERS_PARALLELISM": "false",
}

for _key, _value in _OFFLINE.items():
    os.environ[_key] = _value

# transformers' own bars ("Loading weights") would write carriage-return updates into logs; in a terminal they stay.
if not sys.stderr.isatty():
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

# transformers 5 is renaming `past_key_values` to `cache`; tunewise passes the cache the way every supported
# release (5.0 up) accepts, so the renaming notices are noise in every run's output.
warnings.filterwarnings("ignore", message=".*`past_key_values` is deprecated.*", category=FutureWarning)


class _RenamingNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`past_key_values`/`cache_params` are deprecated" not in record.getMessage()


logging.getLogger("transformers.utils.generic").addFilter(_RenamingNotice())  # the logger that says it
