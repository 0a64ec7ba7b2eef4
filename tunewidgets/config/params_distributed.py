"""Distribution params: AutoTrain's distributed_backend, extended to FSDP, ZeRO stages and several machines.

With more than one process the CLI runs the training under ``accelerate launch``
with an accelerate config (and a DeepSpeed JSON) generated from these fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .fields import StrictModel, field

DISTRIBUTED = "advanced"


class DistributedParams(StrictModel):
    """How many processes and machines, and which engine shards the model."""

    distributed_backend: Literal["ddp", "deepspeed", "fsdp"] | None = field(
        None, "Several processes: ddp (default), deepspeed (ZeRO) or fsdp.", DISTRIBUTED
    )
    num_processes: int = field(1, "Processes per machine (usually one per GPU).", DISTRIBUTED, ge=1, le=1024)
    deepspeed_stage: Literal[1, 2, 3] = field(2, "DeepSpeed ZeRO stage.", DISTRIBUTED)
    deepspeed_offload_optimizer: bool = field(False, "DeepSpeed: keep the optimizer state in CPU memory.", DISTRIBUTED)
    deepspeed_offload_params: bool = field(False, "DeepSpeed ZeRO-3: keep the parameters in CPU memory.", DISTRIBUTED)
    fsdp_sharding_strategy: Literal["FULL_SHARD", "SHARD_GRAD_OP", "HYBRID_SHARD", "NO_SHARD"] = field(
        "FULL_SHARD", "FSDP sharding strategy.", DISTRIBUTED
    )
    num_machines: int = field(1, "Machines taking part (multi-node).", DISTRIBUTED, ge=1, le=4096)
    machine_rank: int = field(0, "This machine's rank (0 on the main machine).", DISTRIBUTED, ge=0)
    main_process_ip: str | None = field(None, "Address of the main machine (multi-node).", DISTRIBUTED)
    main_process_port: int | None = field(
        None, "Port of the main machine: on one machine a free one is picked when empty (29500 across machines).",
        DISTRIBUTED, ge=1, le=65535,
    )

    @model_validator(mode="after")
    def _check_distribution(self):
        if self.deepspeed_offload_params and self.deepspeed_stage != 3:
            raise ValueError("deepspeed_offload_params needs deepspeed_stage: 3 (only ZeRO-3 shards parameters)")
        if self.machine_rank >= self.num_machines:
            raise ValueError(f"machine_rank {self.machine_rank} must be below num_machines {self.num_machines}")
        if self.num_machines > 1 and not self.main_process_ip:
            raise ValueError("num_machines > 1 needs main_process_ip (the main machine's address)")
        return self

    @property
    def world_processes(self) -> int:
        return self.num_processes * self.num_machines

    @property
    def is_distributed(self) -> bool:
        return self.world_processes > 1 or self.distributed_backend in ("deepspeed", "fsdp")
