"""The app's job launcher as a dependency, and the launcher each setting selects."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Depends, Request

from bachata_common.settings import PROJECT_ROOT, Settings
from job_launcher.base import Launcher


def build_launcher(settings: Settings) -> Launcher:
    """local (the default), cloudrun or ray, by the JOB_LAUNCHER setting."""
    if settings.launcher == "cloudrun":
        from job_launcher.cloudrun import CloudRunLauncher

        return CloudRunLauncher(
            project=settings.gcp_project_id, region=settings.gcp_region, job=settings.cloud_run_job_name
        )
    if settings.launcher == "ray":
        from job_launcher.ray_jobs import RayJobsLauncher

        return RayJobsLauncher(address=settings.ray_jobs_address)
    from job_launcher.local import LocalLauncher
    from job_launcher.ray_node import RayNode

    # The render process reads the same settings as the API; pass what may only exist in this process.
    env = {
        "VAR_DIR": str(settings.var_dir),
        "MEDIA_DIR": str(settings.media_root),
        "LIBRARY_DIR": str(settings.library_dir),
        "DATABASE_URL": settings.sqlalchemy_url,
        "RENDER_SIZE": settings.render_size,
    }
    if settings.render_cpus:
        env["RENDER_CPUS"] = str(settings.render_cpus)
    logs = settings.var_dir / "logs"
    node = None
    if settings.local_ray_node:
        cpus = settings.render_cpus or os.cpu_count() or 1
        node = RayNode(cpus=cpus, cwd=PROJECT_ROOT, log_path=logs / "ray-node.log")
    return LocalLauncher(
        max_running=settings.max_running_renders, env=env, cwd=PROJECT_ROOT, log_dir=logs / "renders", node=node
    )


def _launcher(request: Request) -> Launcher:
    return request.app.state.launcher


AppLauncher = Annotated[Launcher, Depends(_launcher)]
