"""`python -m ray_pipeline`: one render execution configured by the environment (TASK_ID, USER_ID, ...)."""

from __future__ import annotations

import logging
import os
import sys

from bachata_common.settings import JobSettings
from ray_pipeline.job import EXIT_USAGE, UsageError, params_from_env, run_job


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        params = params_from_env(os.environ)
    except UsageError as exc:
        logging.getLogger("ray_pipeline").error("%s", exc)
        return EXIT_USAGE
    # Cloud Run names each execution; the Ray Jobs and local launchers pass theirs the same way.
    execution = os.environ.get("CLOUD_RUN_EXECUTION") or os.environ.get("JOB_EXECUTION_NAME")
    return run_job(params, JobSettings(), execution=execution)


if __name__ == "__main__":
    sys.exit(main())
