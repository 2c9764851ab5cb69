"""Scratch vs pretrained (04): unfreeze the last k blocks, summarise a training history."""

from __future__ import annotations

from tests.corpus import tamper
from tests.corpus.cases.case import EVERY_CELL, Case  # noqa: F401

SCRATCH = "04_scratch_vs_pretrained"

# Scratch vs pretrained: ex1 unfreeze_last_blocks 4, ex2 summarize 3 (automatic), plus a
# 3-point written reflection graded by hand (not part of an automatic score).
CASES = [
    Case("scratch_reference", SCRATCH, 7, "the instructor's solutions: every automatic point; the "
         "reflection waits for a human"),
    Case("scratch_one_block_too_many", SCRATCH, 3, "unfreezes the last k + 1 blocks: ex1 fails",
         edits={"ex1_unfreeze_last_blocks": '''def unfreeze_last_blocks(net, k):
    blocks = [net.layer4, net.layer3, net.layer2, net.layer1, nn.ModuleList([net.conv1, net.bn1])]
    for param in net.parameters():
        param.requires_grad = False
    for param in net.fc.parameters():
        param.requires_grad = True
    for block in blocks[:k + 1]:
        for param in block.parameters():
            param.requires_grad = True
    return net'''}),
    Case("scratch_first_epoch", SCRATCH, 4, "reports the first epoch's accuracy instead of the last: ex2 fails",
         edits={"ex2_summarize": '''def summarize(runs):
    return {strategy: {"accuracy": history.test_acc[0], "seconds": sum(history.seconds),
                       "trainable_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
                       "total_params": sum(p.numel() for p in net.parameters())}
            for strategy, (net, history) in runs.items()}'''}),
]
